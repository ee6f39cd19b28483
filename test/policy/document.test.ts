import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {defaultPolicy, nextPolicyVersion, type OwnerStatement} from '../../src/lib/domain/policy.js'
import {
  approvalContext,
  generateOwnerKey,
  ownerKeyFromPem,
  ownerKeyToPem,
  publicKeyOf,
  signApproval,
  signPanic,
  signPanicClear,
  signPolicyDocument,
  signStatement,
  StatementError,
  trustedOwnerKeys,
  verifyPanic,
  verifyPolicyDocument,
} from '../../src/lib/policy/document.js'
import {applyPolicyChanges} from '../../src/lib/policy/edit.js'
import {applyPolicyDocument, localPolicy, saveLocalPolicy} from '../../src/lib/core/local-policy.js'

const OWNER = 'own_01kbowner0000000000000000'
const owner = generateOwnerKey(OWNER)
const keys = [publicKeyOf(owner)]
const problem = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(StatementError)
    return (error as StatementError).problem
  }
  throw new Error('expected a refusal')
}
const policyV = (version: number) => ({...defaultPolicy('cam_front'), live: {mode: 'always' as const}, version})

describe('owner-signed policy documents', () => {
  it('verifies a document signed by the owner and returns its policy', () => {
    const doc = signPolicyDocument(policyV(5), owner)
    expect(verifyPolicyDocument(doc, keys, {ownerId: OWNER, cameraId: 'cam_front', current: {version: 4}})).toMatchObject({cameraId: 'cam_front', live: {mode: 'always'}, version: 5})
  })

  it('refuses a tampered document (payload, owner or type changed after signing)', () => {
    const doc = signPolicyDocument(policyV(5), owner)
    const tampered = {...doc, payload: doc.payload.replace('"always"', '"never"')}
    expect(problem(() => verifyPolicyDocument(tampered, keys))).toBe('bad_signature')
    expect(problem(() => verifyPolicyDocument({...doc, type: 'panic'}, keys))).toBe('wrong_type')
    expect(problem(() => verifyPolicyDocument({...doc, signature: 'A'.repeat(86)}, keys))).toBe('bad_signature')
    expect(problem(() => verifyPolicyDocument({...doc, payload: 'not json'}, keys))).toBe('bad_signature')
    expect(problem(() => verifyPolicyDocument({format: 'x'}, keys))).toBe('malformed')
  })

  it('refuses a document signed with another key, or for another owner', () => {
    const mallory = generateOwnerKey(OWNER)
    expect(problem(() => verifyPolicyDocument(signPolicyDocument(policyV(5), mallory), keys))).toBe('unknown_key')
    // A server that swaps in its own key id cannot pass either: the signature is bound to the key id.
    const forged = {...signPolicyDocument(policyV(5), mallory), keyId: owner.keyId}
    expect(problem(() => verifyPolicyDocument(forged, keys))).toBe('bad_signature')
    const other = generateOwnerKey('own_01kbother0000000000000000')
    expect(problem(() => verifyPolicyDocument(signPolicyDocument(policyV(5), other), [...keys, publicKeyOf(other)], {ownerId: OWNER}))).toBe('wrong_owner')
  })

  it('refuses a replayed older (or same) version and a document for another camera', () => {
    const doc = signPolicyDocument(policyV(5), owner)
    expect(problem(() => verifyPolicyDocument(doc, keys, {current: {version: 5}}))).toBe('stale')
    expect(problem(() => verifyPolicyDocument(doc, keys, {current: {version: 9}}))).toBe('stale')
    expect(problem(() => verifyPolicyDocument(doc, keys, {cameraId: 'cam_back'}))).toBe('mismatch')
  })

  it('a key written to PEM and read back signs documents the original public key verifies', () => {
    const again = ownerKeyFromPem(OWNER, ownerKeyToPem(owner))
    expect(again.keyId).toBe(owner.keyId)
    expect(verifyPolicyDocument(signPolicyDocument(policyV(7), again), trustedOwnerKeys(OWNER, owner.publicKey)).version).toBe(7)
  })

  it('new versions are newer than both the previous version and any earlier edit', () => {
    const now = new Date('2026-11-03T12:00:00Z')
    expect(nextPolicyVersion(1, now)).toBe(now.getTime())
    expect(nextPolicyVersion(now.getTime() + 5000, now)).toBe(now.getTime() + 5001)
  })
})

describe('owner-signed panics and approvals', () => {
  const panic = {panicId: 'alr_01kbpanic00000000000000000', startedAt: '2026-11-03T12:00:00.000Z', until: '2026-11-03T13:00:00.000Z', message: 'break-in'}

  it('a panic verifies as signed, and a signed clear shortens it', () => {
    const statement = signPanic(panic, owner)
    expect(verifyPanic({statement, clearStatement: null}, keys, {ownerId: OWNER})).toMatchObject({startedAt: panic.startedAt, until: panic.until, clearedAt: null})
    const clearStatement = signPanicClear({panicIds: [panic.panicId], clearedAt: '2026-11-03T12:10:00.000Z'}, owner)
    expect(verifyPanic({statement, clearStatement}, keys).until).toBe('2026-11-03T12:10:00.000Z')
  })

  it('a server cannot fake or extend a panic', () => {
    const server = generateOwnerKey(OWNER)
    expect(problem(() => verifyPanic({statement: signPanic(panic, server), clearStatement: null}, keys))).toBe('unknown_key')
    const statement = signPanic(panic, owner)
    const extended = {...statement, payload: statement.payload.replace('13:00', '23:00')}
    expect(problem(() => verifyPanic({statement: extended, clearStatement: null}, keys))).toBe('bad_signature')
    // a policy document passed off as a panic
    expect(problem(() => verifyPanic({statement: signPolicyDocument(policyV(3), owner), clearStatement: null}, keys))).toBe('wrong_type')
    // a clear for another panic
    const clearOther = signPanicClear({panicIds: ['alr_01kbother00000000000000000'], clearedAt: '2026-11-03T12:10:00.000Z'}, owner)
    expect(problem(() => verifyPanic({statement, clearStatement: clearOther}, keys))).toBe('mismatch')
  })

  it('approvals count only when signed by the owner for this camera and request', () => {
    const payload = {requestId: 'acc_1', cameraId: 'cam_front', requesterId: 'usr_ines', from: '2026-11-03T12:00:00.000Z', until: '2026-11-03T12:30:00.000Z'}
    const good = {requestId: 'acc_1', statement: signApproval(payload, owner)}
    const forged = {requestId: 'acc_2', statement: signApproval({...payload, requestId: 'acc_2'}, generateOwnerKey(OWNER))}
    const otherCamera = {requestId: 'acc_3', statement: signApproval({...payload, requestId: 'acc_3', cameraId: 'cam_back'}, owner)}
    const relabelled = {requestId: 'acc_4', statement: good.statement}
    const result = approvalContext([good, forged, otherCamera, relabelled], keys, {ownerId: OWNER, cameraId: 'cam_front'})
    expect(result.approvals).toEqual([{from: payload.from, until: payload.until, requesterId: 'usr_ines'}])
    expect(result.rejected.map((r) => r.requestId)).toEqual(['acc_2', 'acc_3', 'acc_4'])
  })

  it('statements of one type cannot be replayed as another type', () => {
    const approval = signStatement('approval', {requestId: 'a', cameraId: 'cam_front', requesterId: 'u', from: panic.startedAt, until: panic.until}, owner)
    expect(problem(() => verifyPolicyDocument({...approval, type: 'policy'} as OwnerStatement, keys))).toBe('bad_signature')
  })
})

describe('the Core\'s local policy file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtcc-core-policy-'))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  it('saves a local edit (0600), applies a newer signed document, and refuses older ones', () => {
    expect(localPolicy(dir, 'cam_front').live.mode).toBe('never')
    const edited = applyPolicyChanges(localPolicy(dir, 'cam_front'), {live: 'approval'}, new Date('2026-11-03T12:00:00Z'))
    saveLocalPolicy(dir, edited)
    expect(statSync(join(dir, 'policies.json')).mode & 0o777).toBe(0o600)
    expect(localPolicy(dir, 'cam_front').live.mode).toBe('approval')

    const newer = signPolicyDocument({...edited, live: {mode: 'always'}, version: edited.version + 1}, owner)
    expect(applyPolicyDocument(dir, newer, keys, {ownerId: OWNER}).live.mode).toBe('always')
    expect(problem(() => applyPolicyDocument(dir, newer, keys, {ownerId: OWNER}))).toBe('stale')
    const older = signPolicyDocument({...edited, live: {mode: 'never'}, version: edited.version - 1}, owner)
    expect(problem(() => applyPolicyDocument(dir, older, keys, {ownerId: OWNER}))).toBe('stale')
    expect(problem(() => applyPolicyDocument(dir, signPolicyDocument({...edited, version: edited.version + 9}, generateOwnerKey(OWNER)), keys, {ownerId: OWNER}))).toBe('unknown_key')
    expect(localPolicy(dir, 'cam_front').live.mode).toBe('always')
    expect(JSON.parse(readFileSync(join(dir, 'policies.json'), 'utf8')).policies.cam_front.version).toBe(edited.version + 1)
  })

  it('a broken file is reported with its path', () => {
    const broken = mkdtempSync(join(tmpdir(), 'rtcc-core-policy-'))
    writeFileSync(join(broken, 'policies.json'), '{"format": "rtcc-core-policies", "version": 1, "policies": {"cam_a": {"cameraId": "cam_a"}}}')
    expect(() => localPolicy(broken, 'cam_a')).toThrow(expect.objectContaining({where: expect.stringContaining('policies.json:policies.cam_a')}))
    rmSync(broken, {recursive: true, force: true})
  })
})
