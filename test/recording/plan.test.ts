/** `core provision --policies`: the record, retention and max_disk columns, and their errors. */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {readPolicyFile} from '../../src/lib/core/plan.js'
import {DEFAULT_MAX_DISK_BYTES} from '../../src/lib/domain/recording.js'
import {failure} from '../helpers/failure.js'
import {removeDir, tempDir} from '../helpers/server.js'

const dir = tempDir('rtcc-plan-')
afterAll(() => removeDir(dir))

function csv(text: string): string {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.csv`)
  writeFileSync(file, text)
  return file
}

describe('the provisioning policy file with recording columns', () => {
  it('reads record yes/no with retention and disk budget, defaulting what is left empty', async () => {
    const rows = await readPolicyFile(csv('camera,live,recorded,record,retention,max_disk\n10.0.0.5,always,approval,yes,72h,500MB\n10.0.0.6,never,never,no,,\n10.0.0.7,never,never,,,\n10.0.0.8,never,never,yes,,\n'))
    expect(rows.map((r) => r.record)).toEqual([{retentionSeconds: 259_200, maxDiskBytes: 500_000_000}, null, undefined, {retentionSeconds: 7 * 86_400, maxDiskBytes: DEFAULT_MAX_DISK_BYTES}])
  })

  it('names the row and column of a bad value', async () => {
    expect((await failure(readPolicyFile(csv('camera,live,recorded,record\n10.0.0.5,always,never,maybe\n')))).where).toMatch(/:2:record$/)
    expect((await failure(readPolicyFile(csv('camera,live,recorded,record,retention\n10.0.0.5,always,never,yes,forever\n')))).where).toMatch(/:2:retention$/)
    expect((await failure(readPolicyFile(csv('camera,live,recorded,record,max_disk\n10.0.0.5,always,never,yes,lots\n')))).where).toMatch(/:2:max_disk$/)
  })
})
