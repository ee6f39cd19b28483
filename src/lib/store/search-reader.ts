/**
 * The radius search's row reads, through a second connection of the server's store: read-only and
 * memory-mapped. A search's ~80 hits are scattered over a table of hundreds of MB; read through the
 * main connection each costs a pread() (7-11 µs a row at a million cameras), mapped about half that.
 * The main connection stays unmapped on purpose: a mapping there would put every page a bulk import
 * touches into the server's resident memory (the import's peak RSS goal), where this one maps only
 * the pages searches read.
 *
 * Only row reads go here. The radius index and its staleness check (`PRAGMA data_version`, the rowid
 * catch-up) stay on the main connection, whose own writes do not change its data_version: on this
 * connection every write by the main one would look foreign and rebuild the index each time.
 *
 * Consistency: each search reads in one read transaction on the reader, begun after the index check,
 * so it sees everything the main connection committed before it. A search on a main connection that
 * is inside a transaction reads through the main connection, which alone sees its uncommitted rows.
 */
import type {Statement} from 'better-sqlite3'

import {openDatabase, type Db} from './db.js'

/** SQLite's default ceiling for mmap_size: address space only; resident are the pages searches touch. */
const MMAP_BYTES = 2_147_418_112

interface Reader {
  db: Db
  begin: Statement<[]>
  commit: Statement<[]>
}

const readers = new WeakMap<Db, Reader>()

/** Opens `db`'s reader on the same file; searches on `db` use it from now on. The caller closes it (after `db`'s last search). */
export function openSearchReader(db: Db): Db {
  const reader = openDatabase(db.name, {readonly: true})
  reader.pragma(`mmap_size = ${MMAP_BYTES}`)
  readers.set(db, {db: reader, begin: reader.prepare('BEGIN'), commit: reader.prepare('COMMIT')})
  return reader
}

/** The connection a search on `db` reads rows through now: its reader, or `db` itself inside a transaction (or without a reader). */
export function searchRowSource(db: Db): Db {
  const reader = readers.get(db)
  return reader && reader.db.open && !db.inTransaction ? reader.db : db
}

/** Runs `read` with searchRowSource(db), on the reader in one read transaction. */
export function readSearchRows<T>(db: Db, read: (rows: Db) => T): T {
  const reader = readers.get(db)
  if (!reader || searchRowSource(db) === db) return read(db)
  reader.begin.run()
  try {
    return read(reader.db)
  } finally {
    reader.commit.run()
  }
}
