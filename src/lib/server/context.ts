/** What every route handler can reach: the store, the audit log, the event and Core hubs and the server's keys. */
import type {AuditLog} from '../audit/log.js'
import type {EvidenceStore} from '../evidence/store.js'
import type {Mailer} from '../mail/mailer.js'
import type {Role} from '../domain/roles.js'
import type {Store} from '../store/store.js'
import type {UserRow} from '../store/users.js'
import type {CoreHub} from './core-link/index.js'
import type {ServerSecrets} from './data-dir.js'
import type {EventHub} from './events/hub.js'
import type {UploadEndpoint} from './uploads.js'
import type {Bus} from '../bus/nats.js'

export interface ServerContext {
  /** The store every use case goes through: SQLite in the data dir by default, or PostgreSQL. */
  store: Store
  audit: AuditLog
  events: EventHub
  /** The deployment's NATS bus when several instances share one database (`--bus`); undefined for one instance. */
  bus?: Bus
  /** The Core links: who is connected, and the live streams they relay. */
  cores: CoreHub
  mailer: Mailer
  evidence: EvidenceStore
  /** Resumable (tus) uploads from the footage-request page, ingested into `evidence` when complete. */
  uploads: UploadEndpoint
  /** The server's public URL, for links in mail. */
  url: string
  /** Long-lived responses (SSE) to end when the server closes, so shutdown does not wait on them. */
  openStreams: Set<{end(): void}>
  secrets: ServerSecrets
  version: string
  now(): Date
}

export interface Actor {
  user: UserRow
  /** Effective role: the user's, or the token's narrower scope. */
  role: Role
  /** `device`: an owner's phone (`rtcc owner device add`), allowed only on routes that say `allowDevice`. */
  via: 'session' | 'token' | 'device'
  credentialId: string
  tokenName?: string
  expiresAt: string
  /** `mfa-enroll`: a session that may only enrol a second factor (admin requires MFA, user has none yet). */
  scope: 'full' | 'mfa-enroll'
}
