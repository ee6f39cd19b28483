/** Item 9: a running Core shares no video with a server whose audit log was rewritten after the Core saw it. */
import {rmSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {coreCosignerName} from '../../src/lib/audit/cosignature.js'
import type {AuditHead} from '../../src/lib/domain/audit.js'
import {openDatabase} from '../../src/lib/store/db.js'
import {startTestServer} from '../helpers/server.js'
import {backendUnderTest} from '../helpers/database.js'
import {type Site, startSite, until} from '../core/helpers.js'
import {editLeaf, rehashLeaf} from './helpers.js'

const onSqlite = backendUnderTest() === 'sqlite'

let site: Site

beforeAll(async () => {
  site = await startSite({host: '127.0.9.71', modes: ['always']})
  await site.startAgent()
})
afterAll(() => site?.stop())

describe('a Core refusing a rewritten audit log', () => {
  // Forges the log by editing the SQLite file directly; on PostgreSQL the same forgery (plain SQL) is caught in test/store/audit.test.ts.
  it.runIf(onSqlite)('cosigns at link start, and after the log is rewritten refuses to share an `always` camera', async () => {
    const name = coreCosignerName(site.core.coreId)
    await until(async () => (await site.t.anonymous().get<AuditHead>('/v1/audit/head')).checkpoint.includes(`— ${name} `), 'the Core to cosign')

    const port = Number(new URL(site.t.url).port)
    await site.t.stop()
    const db = openDatabase(join(site.t.dataDir, 'rtcc.db'))
    editLeaf(db, 2, {action: 'user.delete'})
    rehashLeaf(db, 2)
    db.exec('DELETE FROM audit_cosignatures; DELETE FROM audit_checkpoints')
    db.close()
    rmSync(join(site.t.dataDir, 'audit-checkpoint.note'))
    site.t = await startTestServer({dataDir: site.t.dataDir, port})
    await until(() => site.t.server.ctx.cores.session(site.core.coreId) !== undefined && site.agent!.linkState === 'online', 'the Core to reconnect', 20_000)
    await until(() => site.logs.some((line) => line.includes('AUDIT LOG REFUSED')), 'the witness check')

    const error = await site.investigator.post('/v1/streams', {cameraId: site.core.cameras[0]!.id}).then(
      () => undefined,
      (e: Error) => e,
    )
    expect(error?.message).toMatch(/audit log failed this Core's witness check/)
    expect(site.agent!.activeRelays()).toEqual([])
  })
})
