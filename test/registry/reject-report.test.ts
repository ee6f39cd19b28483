import {describe, expect, it} from 'vitest'

import {RejectReport} from '../../src/lib/registry/reject-report.js'
import type {ColumnReport, ImportRow} from '../../src/lib/registry/import.js'
import {accepted, importAll, OWNER} from './helpers.js'

describe('reject report', () => {
  it('lists each rejected CSV row with its fields, reasons and original cells, and re-imports once fixed', async () => {
    let columns: ColumnReport | undefined
    const text = `Cam ID,LAT,LON,owner_email\nok,41,-87,${OWNER}\nbad,91,-87,${OWNER}\nworse,=1+1,200,nobody\n`
    const rows = await importAll(text, {format: 'csv', fileName: 'cams.csv', defaults: {source: 's'}, map: {columns: {external_id: 'Cam ID'}, defaults: {}, view_direction_from_approaches: []}, onColumns: (c) => (columns = c)})
    const report = new RejectReport(columns!.headers)
    const failed = rows.filter((r): r is ImportRow & {result: {ok: false}} => !r.result.ok)
    const csv = report.header() + failed.map((r) => report.row({row: r.row, raw: r.raw, errors: r.result.errors})).join('')
    expect(csv.split('\n').slice(0, 3)).toEqual([
      'row,fields,errors,Cam ID,LAT,LON,owner_email',
      `3,LAT,"latitude (column ""LAT""): out of range: ""91""; expected a latitude in decimal degrees, -90..90",bad,91,-87,${OWNER}`,
      expect.stringMatching(/^4,LAT; LON; owner_email,.*,worse,'=1\+1,200,nobody$/),
    ])

    const fixed = csv.replace(',91,', ',41.5,').replace("'=1+1,200,nobody", `41.6,-87.6,${OWNER}`)
    const again = await importAll(fixed, {format: 'csv', defaults: {source: 's'}, map: {columns: {external_id: 'Cam ID'}, defaults: {}, view_direction_from_approaches: []}})
    expect(accepted(again).map((c) => [c.externalId, c.latitude])).toEqual([
      ['bad', 41.5],
      ['worse', 41.6],
    ])
  })

  it('puts the original record in one JSON column for other formats', () => {
    const report = new RejectReport()
    expect(report.header()).toBe('row,fields,errors,original\n')
    const line = report.row({row: 7, raw: {external_id: 'x', geometry: {type: 'LineString'}}, errors: [{field: 'row', message: 'geometry is a LineString', expected: 'a Point'}]})
    expect(line).toBe('7,row,row: geometry is a LineString; expected a Point,"{""external_id"":""x"",""geometry"":{""type"":""LineString""}}"\n')
  })
})
