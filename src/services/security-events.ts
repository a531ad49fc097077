import type { AppErrorCode } from '../security/app-error'
import type { StorageEvent } from '../security/secure-storage/secure-store'
import type { MaintenanceNotice } from '../security/transport/https-client'

/**
 * Security-relevant events from the practices, for whoever watches them: MONITOR reports them
 * (app.ts) and the kill switch (INCIDENT) counts tampered items. Events carry
 * names and codes only, never values. The last few are kept so a subscriber that starts after
 * launch still sees what the launch sweep found.
 */
export type SecurityEvent =
  | StorageEvent
  | { type: 'storage.sweep-failed'; code: AppErrorCode }
  /** The consent record could not be saved: the decision holds until the app is closed. */
  | { type: 'consent.save-failed' }
  | ({ type: 'maintenance' } & MaintenanceNotice)
  /** INCIDENT: the local lock (kill-switch.ts); a second one if wiping the store failed. */
  | { type: 'incident.lock'; code: string }

const RECENT_LIMIT = 20
const recent: SecurityEvent[] = []
const listeners = new Set<(event: SecurityEvent) => void>()

export function emitSecurityEvent(event: SecurityEvent): void {
  recent.push(event)
  if (recent.length > RECENT_LIMIT) recent.shift()
  for (const listener of [...listeners]) listener(event)
}

/** Calls `listener` for every later event; returns the unsubscribe function. */
export function onSecurityEvent(listener: (event: SecurityEvent) => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** The last events (oldest first), e.g. what the launch sweep discarded. */
export function recentSecurityEvents(): readonly SecurityEvent[] {
  return [...recent]
}
