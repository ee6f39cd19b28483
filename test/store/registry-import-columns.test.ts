/**
 * Every column the import stages reaches the camera as validated, on both stores: the SQLite staging
 * file binds each row's twenty values by position (ImportStaging.stage), so a value landing in its
 * neighbour's column would show here. One row fills every column with a value of its own (text that
 * is not ASCII, numbers, both booleans, tags); one leaves every optional column blank.
 */
import {describe, expect, it} from 'vitest'

import {readCameras} from '../../src/lib/registry/import.js'
import type {Store} from '../../src/lib/store/store.js'
import {BACKENDS, useBackendStore} from './backends.js'
import {importText} from './import-text.js'

const HEADER = 'external_id,source,name,latitude,longitude,address,location_type,make,model,view_description,view_direction,field_of_view,records,retention_days,live_capable,tags,owner_email,owner_name,owner_organisation,owner_phone'
const FULL = 'full-1,city,Café «Nord» 北,41.881234,-87.623456,"1 Main St, Chicago",school,Axis,P3245 “LE”,door and street,271.5,93,yes,45,yes,"front;street|night",Ops@Example.com,Zoë Owner,Owner Org,+1 312 555 0100'
const SPARSE = 'sparse-2,city,,41.9,-87.7,,,,,,,,no,,no,,plain@example.com,,,'

for (const backend of BACKENDS)
  describe(`import columns (${backend})`, () => {
    const store = useBackendStore(backend) as unknown as Store

    it('a full row and a sparse one arrive column for column as validated, owner included', async () => {
      const text = `${HEADER}\n${FULL}\n${SPARSE}\n`
      const expected = []
      for await (const {result} of readCameras([Buffer.from(text)], {format: 'csv', fileName: 'cams.csv'})) {
        if (!result.ok) throw new Error(JSON.stringify(result.errors))
        expected.push(result.camera)
      }
      const summary = await importText(store, text)
      expect(summary).toMatchObject({read: 2, inserted: 2, rejected: 0, ownersCreated: 2})
      const cameras = await store.cameras.listCameras({kind: 'all'})
      expect(cameras).toHaveLength(2)
      for (const camera of expected) {
        const stored = cameras.find((c) => c.externalId === camera.externalId)!
        const {ownerEmail, ownerName, ownerOrganisation, ownerPhone, ...fields} = camera
        expect(stored).toMatchObject(fields)
        const owner = await store.owners.getOwner(stored.ownerId)
        expect(owner).toMatchObject({email: ownerEmail, displayName: ownerName ?? ownerOrganisation ?? ownerEmail, organisation: ownerOrganisation, phone: ownerPhone})
      }
      // Re-importing the same file changes nothing (each staged column compares equal to its camera's).
      expect(await importText(store, text)).toMatchObject({inserted: 0, updated: 0, unchanged: 2})
    })
  })
