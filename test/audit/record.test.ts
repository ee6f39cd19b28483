import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {hashLeaf} from '../../src/lib/audit/merkle.js'
import {canonicalJson, leafHashOfJson, leafHashOfRecord, leafJson, recordOfLeaf, type AuditRecord} from '../../src/lib/audit/record.js'
import {auditLeafPage, queryAuditRecords} from '../../src/lib/store/audit.js'
import {newSigner, openLog, tempDir, verifySqlite} from './helpers.js'

const record: AuditRecord = {
  id: 'aud_01jc0000000000000000000000',
  seq: 7,
  time: '2026-11-01T08:00:00.000Z',
  actorId: 'usr_01',
  actorName: 'alice',
  role: 'admin',
  action: 'user.set-role',
  target: 'usr_02',
  outcome: 'allowed',
  source: '::1',
  requestId: 'req-7',
  bytesIn: 42,
  bytesOut: null,
  detail: {to: 'supervisor', from: 'analyst'},
}

describe('canonical leaf encoding', () => {
  it('is the JSON array of every field in a fixed order, detail as key-sorted JSON text', () => {
    expect(leafJson(record)).toBe(
      '[7,"aud_01jc0000000000000000000000","2026-11-01T08:00:00.000Z","usr_01","alice","admin","user.set-role","usr_02","allowed","::1","req-7",42,null,"{\\"from\\":\\"analyst\\",\\"to\\":\\"supervisor\\"}"]',
    )
  })

  it('hashes as the RFC 6962 leaf hash of that data', () => {
    expect(leafHashOfJson(leafJson(record))).toEqual(hashLeaf(Buffer.from(leafJson(record))))
    expect(leafHashOfRecord(record)).toEqual(hashLeaf(Buffer.from(leafJson(record))))
  })

  it('reads back as the record it encodes', () => {
    expect(recordOfLeaf(leafJson(record))).toEqual(record)
    expect(recordOfLeaf(leafJson({...record, detail: null}))).toEqual({...record, detail: null})
    expect(() => recordOfLeaf('[1,2]')).toThrow(/not an audit leaf/)
  })

  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({b: 1, a: {d: [3, {y: 1, x: 2}], c: null}})).toBe('{"a":{"c":null,"d":[3,{"x":2,"y":1}]},"b":1}')
  })

  it('changes when any single field changes, including a move to another position', () => {
    const base = leafHashOfRecord(record).toString('hex')
    const variants: Array<Partial<AuditRecord>> = [
      {seq: 8},
      {id: 'aud_x'},
      {time: '2026-11-01T08:00:00.001Z'},
      {actorId: null},
      {actorName: 'alicE'},
      {role: 'analyst'},
      {action: 'user.set-rolf'},
      {target: ''},
      {outcome: 'denied'},
      {source: '127.0.0.1'},
      {requestId: 'req-8'},
      {bytesIn: 43},
      {bytesOut: 0},
      {detail: null},
      {detail: {to: 'admin', from: 'analyst'}},
    ]
    const hashes = variants.map((change) => leafHashOfRecord({...record, ...change}).toString('hex'))
    expect(new Set([base, ...hashes]).size).toBe(variants.length + 1)
    // Field boundaries are unambiguous: moving text between adjacent fields changes the hash.
    expect(leafHashOfRecord({...record, actorId: 'usr_01a', actorName: 'lice'})).not.toEqual(leafHashOfRecord(record))
  })

  it('round-trips non-ASCII and malformed text through SQLite so the log still verifies', async () => {
    const {dir, cleanup} = tempDir()
    const signer = newSigner()
    const {db, log} = await openLog(join(dir, 'rtcc.db'), signer)
    try {
      const appended = await log.append({action: 'camera.rename', outcome: 'allowed', target: 'Café ☕ 東京', actorName: 'bad \ud800 surrogate', detail: {note: 'ß\u2028'}})
      expect(appended.actorName).toBe('bad \ufffd surrogate')
      expect(queryAuditRecords(db)).toEqual([appended])
      // The stored leaf is exactly the canonical encoding, even for awkward text, and its columns show it.
      const tricky = await log.append({action: 'x "quoted" \\ back/slash', outcome: 'error', target: '\u0001\b\t\n\f\r\u001f\u007f\u2028😀', detail: {'é': '\u0000'}})
      expect(auditLeafPage(db, 0, 2)[1]).toEqual([2, Buffer.from(leafJson(tricky)), leafHashOfRecord(tricky)])
      expect(db.prepare('SELECT target, detail FROM audit_records WHERE seq = 2').get()).toEqual({target: tricky.target, detail: canonicalJson(tricky.detail)})
      await log.checkpoint()
      expect((await verifySqlite(db, signer.publicKey)).ok).toBe(true)
    } finally {
      db.close()
      cleanup()
    }
  })
})
