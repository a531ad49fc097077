/**
 * MONITOR: the app's error monitoring, pure logic. monitor.ts queues, gates on consent and
 * delivers; report.ts builds scrubbed reports. The app binds the ports (storage, consent, the
 * HTTPS client, timers, WeChat's realtime log). The limits and helpers are exported by those two
 * files; this is what the app uses.
 */
export {
  createMonitor,
  type Monitor,
  type MonitorConsent,
  type MonitorPorts,
  type MonitorState,
} from './monitor'
export {
  buildReport,
  fingerprint,
  normalizeError,
  type MonitorBatch,
  type MonitorReceipt,
  type MonitorReport,
  type NormalizedError,
  type ReportContext,
  type ReportKind,
} from './report'
