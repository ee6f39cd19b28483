import {createPrivateKey, createPublicKey, generateKeyPairSync} from 'node:crypto'
import {describe, expect, it} from 'vitest'

import {
  formatCheckpoint,
  formatVerifierKey,
  keyId,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parsePublicKey,
  parseVerifierKey,
  signCheckpoint,
  signNote,
  type NoteSigner,
} from '../../src/lib/audit/note.js'

// The example key and note of Go's golang.org/x/mod/sumdb/note tests, the reference signed-note implementation.
const VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'
const SKEY_SEED = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1) // after the 0x01 algorithm byte
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
const SIGNED = `${TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`

function peterNeumann(): NoteSigner {
  const privateKey = createPrivateKey({key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), SKEY_SEED]), format: 'der', type: 'pkcs8'})
  return {name: 'PeterNeumann', privateKey, publicKey: createPublicKey(privateKey)}
}

function newSigner(name = 'rtcc.test/audit'): NoteSigner {
  const {privateKey, publicKey} = generateKeyPairSync('ed25519')
  return {name, privateKey, publicKey}
}

describe('signed notes (C2SP signed-note)', () => {
  it('reproduces the Go reference key id, verifier key and signature byte for byte', () => {
    const signer = peterNeumann()
    expect(keyId(signer.name, signer.publicKey).toString('hex')).toBe('c74f20a3')
    expect(formatVerifierKey(signer.name, signer.publicKey)).toBe(VKEY)
    expect(signNote(TEXT, signer)).toBe(SIGNED) // Ed25519 is deterministic
  })

  it('opens the reference note with its verifier key and rejects an altered text', () => {
    const verifier = parseVerifierKey(VKEY)
    expect(verifier.name).toBe('PeterNeumann')
    expect(openNote(SIGNED, verifier)).toBe(TEXT)
    expect(() => openNote(SIGNED.replace('cryptography', 'cryptographY'), verifier)).toThrow(/does not verify/)
  })

  it('rejects mangled verifier keys', () => {
    expect(() => parseVerifierKey('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow(/key id/)
    expect(() => parseVerifierKey('PeterNeumann+c74f20a3+AhpC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow(/Ed25519 verifier key/)
    expect(() => parseVerifierKey(VKEY.slice(0, -4))).toThrow()
    expect(() => parseVerifierKey(`Other${VKEY}`)).toThrow(/key id/)
  })

  it('reads a public key from a verifier key or PEM, and refuses a private key or another algorithm', () => {
    const signer = newSigner()
    const pem = signer.publicKey.export({format: 'pem', type: 'spki'}).toString()
    const note = signNote('hi\n', signer)
    expect(openNote(note, parsePublicKey(pem))).toBe('hi\n')
    expect(openNote(note, parsePublicKey(`${formatVerifierKey(signer.name, signer.publicKey)}\n`))).toBe('hi\n')
    expect(() => parsePublicKey(signer.privateKey.export({format: 'pem', type: 'pkcs8'}).toString())).toThrow(/private key/)
    const ec = generateKeyPairSync('ec', {namedCurve: 'P-256'}).publicKey.export({format: 'pem', type: 'spki'}).toString()
    expect(() => parsePublicKey(ec)).toThrow(/expected an Ed25519 public key, got ec/)
    expect(() => parsePublicKey('-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----')).toThrow(/not a PEM public key/)
  })

  it('ignores signatures from other keys but requires one from the expected key', () => {
    const ours = newSigner()
    const theirs = newSigner('elsewhere.example/log')
    const note = signNote('hello\n', ours)
    const cosigned = note + signNote('hello\n', theirs).split('\n\n')[1]
    expect(openNote(cosigned, {publicKey: ours.publicKey})).toBe('hello\n')
    expect(openNote(cosigned, {publicKey: theirs.publicKey, name: theirs.name})).toBe('hello\n')
    expect(() => openNote(note, {publicKey: theirs.publicKey})).toThrow(/no signature on the note is from the expected key/)
    expect(() => openNote(note, {publicKey: ours.publicKey, name: 'someone.else'})).toThrow(/no signature/)
  })

  it('rejects a note whose signature from the expected key is bad, even if it is signed twice', () => {
    const signer = newSigner()
    const good = signNote('x\n', signer)
    const [, line] = good.split('\n\n')
    const blob = Buffer.from(line!.trim().split(' ')[2]!, 'base64')
    blob[10]! ^= 1
    const badLine = `— ${signer.name} ${blob.toString('base64')}\n`
    expect(() => openNote(`x\n\n${badLine}`, {publicKey: signer.publicKey})).toThrow(/does not verify/)
    expect(() => openNote(`x\n\n${badLine}${line}`, {publicKey: signer.publicKey})).toThrow(/does not verify/)
  })

  it('refuses malformed notes and texts it cannot sign', () => {
    const signer = newSigner()
    const note = signNote('a\n', signer)
    expect(() => openNote(note.replace('— ', '-- '), {publicKey: signer.publicKey})).toThrow(/malformed signature line/)
    expect(() => openNote(note.slice(0, -1), {publicKey: signer.publicKey})).toThrow(/not a signed note/)
    expect(() => openNote('a\n', {publicKey: signer.publicKey})).toThrow(/not a signed note/)
    expect(() => openNote(note.replace('a\n', 'a\r\n'), {publicKey: signer.publicKey})).toThrow(/control character/)
    expect(() => signNote('no newline', signer)).toThrow(/end with a newline/)
    expect(() => signNote('a\n\nb\n', signer)).toThrow(/blank line/)
    expect(() => signNote('a\n', {...signer, name: 'has space'})).toThrow(/invalid key name/)
    expect(() => signNote('a\n', {...signer, name: 'has+plus'})).toThrow(/invalid key name/)
  })
})

describe('checkpoints (C2SP tlog-checkpoint)', () => {
  it('formats the three-line body and signs it so the signature line names the origin', () => {
    const signer = newSigner('rtcc.test/audit')
    const rootHash = Buffer.alloc(32, 7)
    const note = signCheckpoint({origin: 'rtcc.test/audit', size: 1000, rootHash}, signer)
    expect(note.startsWith(`rtcc.test/audit\n1000\n${rootHash.toString('base64')}\n\n— rtcc.test/audit `)).toBe(true)
    expect(openCheckpoint(note, {publicKey: signer.publicKey})).toEqual({origin: 'rtcc.test/audit', size: 1000, rootHash})
  })

  it('parses the spec example and rejects bodies that are not checkpoints', () => {
    const example = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'
    const parsed = parseCheckpoint(example)
    expect(parsed.size).toBe(20852163)
    expect(formatCheckpoint(parsed)).toBe(example)
    expect(parseCheckpoint(`${example}extension line\n`).size).toBe(20852163)
    expect(() => parseCheckpoint('origin\n012\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n')).toThrow(/tree size/)
    expect(() => parseCheckpoint('origin\n12\nnot base64!\n')).toThrow(/root hash/)
    expect(() => parseCheckpoint('origin\n12\nAAAA\n')).toThrow(/root hash/)
    expect(() => parseCheckpoint('\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n')).toThrow(/origin/)
  })

  it('rejects a checkpoint whose size was edited after signing', () => {
    const signer = newSigner()
    const note = signCheckpoint({origin: 'o', size: 5, rootHash: Buffer.alloc(32)}, signer)
    expect(() => openCheckpoint(note.replace('\n5\n', '\n6\n'), {publicKey: signer.publicKey})).toThrow(/does not verify/)
  })
})
