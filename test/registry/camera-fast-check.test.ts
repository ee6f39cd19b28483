/**
 * The fast path must be invisible: for any candidate it accepts exactly what `CameraInput` accepts and
 * returns the same camera, and whole rows validate to identical results with and without it.
 */
import {describe, expect, it, vi} from 'vitest'

import {CameraInput} from '../../src/lib/domain/camera.js'
import {acceptCandidate} from '../../src/lib/registry/camera-fast-check.js'
import {planColumns} from '../../src/lib/registry/column-map.js'
import {COLUMN_NAMES} from '../../src/lib/registry/columns.js'
import {random} from '../../src/lib/registry/synthetic.js'
import {validateRecord} from '../../src/lib/registry/validate.js'

const long = (n: number, c = 'x') => c.repeat(n)
const TEXT = ['', ' ', 'a', ' a ', '\u00a0a\u00a0', '\ufeffb', 'tab\there', 'line\nbreak', 'é', long(64), long(65), long(100), long(101), long(200), long(201), long(500), long(501), long(1000), long(1001), long(100, '😀'), long(101, '😀'), ' ' + long(200) + ' ', 7, true, {}, null, undefined]
const SOURCES = ['chicago-speed', 'ok.name:1_x', '-bad', '_bad', 'a b', 'é', long(64, 'a'), long(65, 'a'), ' padded ', 'x\n']
const EMAILS = ['owner@example.com', 'Owner@Example.COM', ' a@b.co ', 'a@b', 'a@b.c', 'a..b@c.com', '.a@b.com', 'a.@b.com', "o'neil@x.org", 'a+b@x-y.com', 'a@-x.com', 'a@x_y.com', 'ä@x.com', 'a@x.com\n', 'a@x.com ', 'A@B.CO', 'a@@b.com', '']
const PHONES = ['+1 312 555 0100', '123456', '1234567', '123456789012345', '1234567890123456', '(312) 555-0100', '312/555.0100', 'call me', '++1234567', ' 1234567 ', '１２３４５６７', '']
const NUMBERS = [-90, 90, -90.0001, 90.0001, 0, -0, 0.5, 1, 1.5, 180, -180, 180.5, 359.9999, 360, 360.1, -1, 36_500, 36_501, 1e21, NaN, Infinity, -Infinity, '41', true]
const BOOLEANS = [true, false, 'yes', 1, null, undefined]
const TYPES = ['business', 'residence', 'public', 'transit', 'school', 'other', 'castle', 'Business', '', null]
const TAGS = [[], ['a'], [' a '], [''], ['a,b'], ['a|b'], [long(64)], [long(65)], Array.from({length: 50}, (_, i) => `t${i}`), Array.from({length: 51}, (_, i) => `t${i}`), 'a', [1], null]

const POOLS: Record<string, readonly unknown[]> = {
  name: TEXT, address: TEXT, make: TEXT, model: TEXT, viewDescription: TEXT, externalId: TEXT, ownerName: TEXT, ownerOrganisation: TEXT,
  source: [...SOURCES, ...TEXT], ownerEmail: [...EMAILS, null, 5], ownerPhone: [...PHONES, null, 5],
  latitude: NUMBERS, longitude: NUMBERS, viewDirection: [...NUMBERS, null], fieldOfView: [...NUMBERS, null], retentionDays: [...NUMBERS, null],
  records: BOOLEANS, liveCapable: BOOLEANS, locationType: TYPES, tags: TAGS,
}

const BASE: Record<string, unknown> = {
  name: 'Front door', latitude: 41.88, longitude: -87.63, address: null, locationType: 'business', make: null, model: null,
  viewDescription: null, viewDirection: null, fieldOfView: null, records: false, retentionDays: null, liveCapable: false, tags: [],
  source: 'test', externalId: 'k1', ownerEmail: 'owner@example.com', ownerName: null, ownerOrganisation: null, ownerPhone: null,
}

describe('the fast check of CameraInput', () => {
  it('checks every field of the schema, no more and no less', () => {
    expect(Object.keys(POOLS).sort()).toEqual(Object.keys(CameraInput.shape).sort())
    expect(Object.keys(acceptCandidate(BASE)!)).toEqual(Object.keys(CameraInput.shape))
  })

  it('accepts exactly what the schema accepts and returns the same camera, over generated candidates', () => {
    const next = random(42)
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!
    let accepted = 0
    for (let n = 0; n < 20_000; n++) {
      const candidate = {...BASE}
      for (let k = 1 + Math.floor(next() * 3); k > 0; k--) {
        const field = pick(Object.keys(POOLS))
        candidate[field] = pick(POOLS[field]!)
      }
      const zod = CameraInput.safeParse(candidate)
      const fast = acceptCandidate(candidate)
      const context = JSON.stringify(candidate)
      if (zod.success) {
        accepted++
        expect(fast, context).toEqual(zod.data)
        expect(JSON.stringify(fast), context).toBe(JSON.stringify(zod.data))
        expect(Object.is(fast!.latitude, zod.data.latitude), context).toBe(true)
      } else {
        expect(fast, context).toBeUndefined()
      }
    }
    // Both outcomes must be well represented for the comparison to mean anything.
    expect(accepted).toBeGreaterThan(2000)
    expect(accepted).toBeLessThan(18_000)
  })
})

describe('validateRecord with and without the fast check', () => {
  const CELLS: Record<string, readonly string[]> = {
    external_id: ['k1', ' k2 ', '', ' ', long(200), long(201)],
    source: ['city', 'chicago-speed', '-bad', '', ' padded '],
    name: ['Gate', '', '  ', long(200), long(201), "'=HYPERLINK(1)"],
    latitude: ['41.88', '41,88', '-90', '90.00001', '0', 'abc', '', ' 41.5 ', '1e1', '1e400', '.5'],
    longitude: ['-87.63', '-87,6', '180', '-180.1', '0', 'x', ''],
    address: ['1 Main St', '', long(500), long(501)],
    location_type: ['business', 'residential', 'Transit', 'castle', ''],
    make: ['Axis', '', long(100), long(101)],
    model: ['P3245', '', long(101)],
    view_description: ['door', '', long(1001)],
    view_direction: ['90', 'NE', 'north-west', ' s w ', '360', '359.5', '-1', 'up', ''],
    field_of_view: ['90', '0', '1', '360', '361', 'wide', ''],
    records: ['yes', 'no', 'Y', 'off', 'maybe', ''],
    retention_days: ['30', '0', '36500', '36501', '1.5', '-1', 'week', ''],
    live_capable: ['true', 'F', '2', ''],
    tags: ['front,street', 'a;b|a', ' , ', long(65), Array.from({length: 51}, (_, i) => `t${i}`).join(','), ''],
    owner_email: ['owner@example.com', 'Owner@Example.com', 'nobody', 'a@b', ''],
    owner_name: ['Ann', '', long(201)],
    owner_organisation: ['Acme', '', long(201)],
    owner_phone: ['+1 312 555 0100', '123', 'call me', ''],
  }
  const DEFAULTS = [{}, {source: 'city'}, {owner_email: 'city@example.gov', location_type: 'public'}, {records: 'maybe'}, {latitude: 95}]

  it('gives identical results over generated rows, accepted and rejected', async () => {
    vi.resetModules()
    vi.doMock('../../src/lib/registry/camera-fast-check.js', () => ({acceptCandidate: () => undefined}))
    const zodOnly = (await import('../../src/lib/registry/validate.js')).validateRecord
    vi.doUnmock('../../src/lib/registry/camera-fast-check.js')
    expect(zodOnly).not.toBe(validateRecord)

    const plan = planColumns(COLUMN_NAMES, undefined, true)
    const next = random(7)
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!
    let ok = 0
    for (let n = 0; n < 5000; n++) {
      const values: Record<string, string> = {}
      for (const column of COLUMN_NAMES) values[column] = next() < 0.7 ? CELLS[column]![0]! : pick(CELLS[column]!)
      const options = {defaults: pick(DEFAULTS), allowNullIsland: next() < 0.5}
      const fast = validateRecord(values, plan, options)
      const slow = zodOnly(values, plan, options)
      expect(fast, JSON.stringify({values, options})).toEqual(slow)
      if (fast.ok) {
        ok++
        expect(JSON.stringify(fast)).toBe(JSON.stringify(slow))
      }
    }
    expect(ok).toBeGreaterThan(300)
    expect(ok).toBeLessThan(4700)
  })
})
