/**
 * The definition of audit_records since migration 13, shared by the migration and by verify's schema
 * check (store/audit.ts). A module of its own, importing nothing: migrations.ts reads it while db.ts loads.
 */

/** The columns generated from the leaf: [name, type], at leaf positions 1… (position 0 is seq, the key). */
const LEAF_COLUMNS = [
  ['id', 'TEXT'],
  ['time', 'TEXT'],
  ['actor_id', 'TEXT'],
  ['actor_name', 'TEXT'],
  ['role', 'TEXT'],
  ['action', 'TEXT'],
  ['target', 'TEXT'],
  ['outcome', 'TEXT'],
  ['source', 'TEXT'],
  ['request_id', 'TEXT'],
  ['bytes_in', 'INTEGER'],
  ['bytes_out', 'INTEGER'],
  ['detail', 'TEXT'],
] as const

/**
 * audit_records as migration 13 creates it. Verify compares the table's stored SQL with this text, so
 * a generated column redefined (by rebuilding the table or editing the schema) is reported as tampering.
 * Part of a released migration: never change it; a new schema needs a new migration and constant.
 */
export const AUDIT_RECORDS_TABLE = `CREATE TABLE audit_records (
    seq INTEGER PRIMARY KEY,
    leaf TEXT NOT NULL,
    leaf_hash BLOB NOT NULL,
${LEAF_COLUMNS.map(([name, type], i) => `    ${name} ${type} GENERATED ALWAYS AS (leaf ->> '$[${i + 1}]') VIRTUAL`).join(',\n')}
  )`

/** The table's indexes (migration 13): lookups by id, and the filters of `audit query`. */
export const AUDIT_RECORDS_INDEXES = `CREATE UNIQUE INDEX audit_records_id ON audit_records(id);
  CREATE INDEX audit_records_time ON audit_records(time);
  CREATE INDEX audit_records_actor ON audit_records(actor_name);
  CREATE INDEX audit_records_action ON audit_records(action);
  CREATE INDEX audit_records_target ON audit_records(target);`


/** Verify's report of an audit_records table whose columns are not the ones defined here. */
export const AUDIT_TABLE_REDEFINED = 'the audit_records table is not defined as rtcc defines it: its columns may show values the leaf hashes do not cover'

/** Verify's report of an audit_records table from before migration 13 (PostgreSQL 3), at schema `version` if known. */
export const auditTablePredatesLeaves = (version?: number): string =>
  `the audit_records table predates stored leaves${version === undefined ? '' : ` (schema version ${version})`}: verify a migrated copy (rtcc server migrate)`

/** The same columns on PostgreSQL, STORED (its generated columns are computed on write), from leaf::json. */
const pgExpression = (type: string, i: number): string => (type === 'INTEGER' ? `((leaf::json ->> ${i + 1})::bigint)` : `(leaf::json ->> ${i + 1})`)
const pgType = (type: string): string => (type === 'INTEGER' ? 'bigint' : 'text COLLATE "C"')

/** audit_records as PostgreSQL migration 3 creates it. Part of a released migration: never change it. */
export const PG_AUDIT_RECORDS_TABLE = `CREATE TABLE audit_records (
    seq bigint PRIMARY KEY,
    leaf text COLLATE "C" NOT NULL,
    leaf_hash bytea NOT NULL,
${LEAF_COLUMNS.map(([name, type], i) => `    ${name} ${pgType(type)} GENERATED ALWAYS AS ${pgExpression(type, i)} STORED`).join(',\n')}
  )`

/**
 * The columns verify expects PostgreSQL's catalog to list for audit_records, in order, as
 * `name type generated expression` with the expression's parentheses and spaces removed (the
 * catalog prints it with its own parenthesization).
 */
export const PG_AUDIT_COLUMNS: readonly string[] = [
  'seq bigint  ',
  'leaf text  ',
  'leaf_hash bytea  ',
  ...LEAF_COLUMNS.map(([name, type], i) => `${name} ${pgType(type).split(' ')[0]} s ${pgExpression(type, i).replace(/[\s()]/g, '')}`),
]

/** A catalog expression in the form PG_AUDIT_COLUMNS lists it. */
export const pgExpressionKey = (expression: string): string => expression.replace(/[\s()]/g, '')
