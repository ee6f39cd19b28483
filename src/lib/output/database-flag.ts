/** The `--database` flag of the server commands that open the server's store (start, init, unlock). */
import {Flags} from '@oclif/core'

export const databaseFlag = Flags.string({
  description: 'PostgreSQL URL, postgres://USER[:PASS]@HOST[:PORT]/DB[?sslmode=require|verify-ca|verify-full] (default: $RTCC_DATABASE_URL, else SQLite in the data dir). Keys, certificate and evidence stay in the data dir either way.',
  env: 'RTCC_DATABASE_URL',
})
