import { DATA_INVENTORY, type DataInventory } from '../src/services/data-inventory'

// The privacy policy keeps the names developers use for where data lives out of what users read
// (its developer part holds them all). The unit, weapp and browser tests check that with these.

/**
 * Every name a developer uses for where data lives: storage keys, database files, tables and
 * columns. Short column names that are also words (id, at, count...) are matched as whole words.
 */
export function technicalNames(inventory: DataInventory = DATA_INVENTORY): string[] {
  const names = new Set<string>()
  for (const datum of inventory.data) {
    for (const place of datum.where) {
      if (place.kind === 'device') names.add(place.key)
      if (place.kind === 'server-table') {
        for (const name of [place.database, place.table, ...place.columns]) names.add(name)
      }
    }
  }
  return [...names]
}

/** The names of `names` that appear in `text` as whole words (`id` not inside `openid`). */
export function namesIn(text: string, names: string[] = technicalNames()): string[] {
  const escape = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return names.filter((name) =>
    new RegExp(`(^|[^A-Za-z0-9_.])${escape(name)}($|[^A-Za-z0-9_])`).test(text),
  )
}
