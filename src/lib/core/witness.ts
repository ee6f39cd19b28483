/**
 * The Core as a witness of the server's audit log. Each time its link comes up it asks for the
 * server's checkpoint with a consistency proof from the one it remembers (witness.json in the Core
 * dir), refuses a log that forked or shrank, and countersigns a checkpoint it checked (C2SP
 * tlog-cosignature, with its identity key under the name rtcc-core/<coreId>) so readers can see an
 * independent party vouched for it. While the log is refused, `failure` says why and the agent shares
 * no video: access to the owner's cameras is only granted under an audit log that holds.
 */
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {coreCosignerName, cosign} from '../audit/cosignature.js'
import {ApiClient} from '../client/api.js'
import {checkAuditHead, fetchAuditHead} from '../client/checkpoint.js'
import type {SeenCheckpoint} from '../client/profiles.js'
import type {CoreConfig} from '../domain/core.js'
import {readIdentityPem, writePrivateFile} from './config.js'
import {loadPrivateKey} from './identity.js'
import {coreRequest} from './signed-request.js'

export class CoreWitness {
  /** Why the server's audit log is refused, while it is. */
  failure?: string

  constructor(
    private readonly dir: string,
    private readonly config: CoreConfig,
    private readonly log: (line: string) => void,
  ) {}

  private get file(): string {
    return join(this.dir, 'witness.json')
  }

  /** Checks the server's log against the remembered checkpoint and cosigns it; never throws. */
  check(): Promise<void> {
    return this.run().catch((error: Error) => this.log(`audit witness failed: ${error.message}`))
  }

  private async run(): Promise<void> {
    const {url, certPem, fingerprint} = this.config.server
    let seen: SeenCheckpoint | undefined
    let next: SeenCheckpoint
    try {
      seen = existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as SeenCheckpoint) : undefined
      next = checkAuditHead(url, await fetchAuditHead(new ApiClient({baseUrl: url, pin: {certPem, fingerprint}}), seen?.size), seen)
    } catch (error) {
      const refused = ['audit_log_forked', 'audit_key_changed', 'bad_signature', 'bad_checkpoint'].includes((error as {code?: string}).code ?? '')
      if (refused) this.failure = (error as Error).message
      this.log(`${refused ? 'AUDIT LOG REFUSED' : 'audit witness: cannot check the server'}: ${(error as Error).message}`)
      return
    }
    this.failure = undefined
    if (next !== seen) writePrivateFile(this.file, JSON.stringify(next, null, 2) + '\n')
    const name = coreCosignerName(this.config.coreId)
    if (next.note.includes(`\n— ${name} `)) return
    const cosignature = cosign(next.note, name, loadPrivateKey(readIdentityPem(this.dir)))
    try {
      await coreRequest(this.dir, this.config, 'POST', `/v1/audit/cosignatures/${this.config.coreId}`, {size: next.size, cosignature})
      this.log(`audit witness: cosigned the server's checkpoint at size ${next.size}`)
    } catch (error) {
      this.log(`audit witness: the server did not take the cosignature: ${(error as Error).message}`)
    }
  }
}
