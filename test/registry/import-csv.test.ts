import {describe, expect, it} from 'vitest'

import {RtccError} from '../../src/lib/errors.js'
import {parseColumnMap} from '../../src/lib/registry/column-map.js'
import type {ColumnReport} from '../../src/lib/registry/import.js'
import {sniffDelimiter} from '../../src/lib/registry/import-csv.js'
import {accepted, importAll, OWNER, rejected} from './helpers.js'

const csv = {format: 'csv' as const, fileName: 'cams.csv', defaults: {source: 'test'}}

describe('CSV import', () => {
  it('reads canonical headers into typed cameras', async () => {
    const rows = await importAll(
      'external_id,name,latitude,longitude,location_type,view_direction,field_of_view,records,retention_days,live_capable,tags,owner_email\n' +
        `a1,Front door,41.88,-87.63,business,90,100,yes,30,no,"door, street",${OWNER}\n`,
      csv,
    )
    expect(accepted(rows)).toEqual([
      expect.objectContaining({
        externalId: 'a1', name: 'Front door', latitude: 41.88, longitude: -87.63, locationType: 'business',
        viewDirection: 90, fieldOfView: 100, records: true, retentionDays: 30, liveCapable: false,
        tags: ['door', 'street'], ownerEmail: OWNER, source: 'test',
      }),
    ])
    expect(rows[0]!.row).toBe(2)
  })

  it('recognises header aliases regardless of case and punctuation', async () => {
    const rows = await importAll(`ID;Title;LAT;Lng;Type;Heading;FOV;Retention;Live;Owner\nx;Gate;41.5;-87.5;residential;NE;90;7;y;${OWNER}\n`, csv)
    expect(accepted(rows)[0]).toMatchObject({
      externalId: 'x', name: 'Gate', latitude: 41.5, longitude: -87.5, locationType: 'residence',
      viewDirection: 45, fieldOfView: 90, retentionDays: 7, records: true, liveCapable: true, ownerEmail: OWNER,
    })
  })

  it('prefers the canonical header when an alias for the same field is also present', async () => {
    const rows = await importAll(`id,external_id,y,latitude,x,longitude,owner_email\ncam_internal,ext-1,1,41.5,2,-87.5,${OWNER}\n`, csv)
    expect(accepted(rows)[0]).toMatchObject({externalId: 'ext-1', latitude: 41.5, longitude: -87.5})
  })

  it.each([
    ['comma', ','],
    ['semicolon', ';'],
    ['tab', '\t'],
  ])('sniffs a %s delimiter from the header line', async (_name, d) => {
    const rows = await importAll([`external_id`, 'latitude', 'longitude', 'owner_email'].join(d) + '\n' + ['k', '41.1', '-87.1', OWNER].join(d) + '\n', csv)
    expect(accepted(rows)).toHaveLength(1)
    expect(sniffDelimiter(['a', 'b', 'c'].join(d))).toBe(d)
  })

  it('ignores delimiters inside quotes when sniffing', () => {
    expect(sniffDelimiter('"a;b;c;d",x,y')).toBe(',')
  })

  it('uses an explicit delimiter over the sniffed one', async () => {
    const text = `external_id;name,with comma;latitude;longitude;owner_email\nk;Gate, north;41;-87;${OWNER}\n`
    const rows = await importAll(text, {...csv, delimiter: ';'})
    expect(accepted(rows)[0]).toMatchObject({externalId: 'k', latitude: 41})
  })

  it('reads quoted fields with newlines and doubled quotes, CRLF line ends and a BOM', async () => {
    const text = `\uFEFFexternal_id,name,view_description,latitude,longitude,owner_email\r\nq1,"Gate ""A""","Looks at\r\nthe loading dock",41.2,-87.2,${OWNER}\r\nq2,Back,,41.3,-87.3,${OWNER}\r\n`
    const rows = await importAll(text, csv)
    expect(accepted(rows).map((c) => [c.externalId, c.name, c.viewDescription])).toEqual([
      ['q1', 'Gate "A"', 'Looks at\r\nthe loading dock'],
      ['q2', 'Back', null],
    ])
    expect(rows.map((r) => r.row)).toEqual([2, 3])
  })

  it('reads a decimal comma in a semicolon file', async () => {
    const rows = await importAll(`external_id;latitude;longitude;owner_email\nk;41,8781;-87,6298;${OWNER}\n`, csv)
    expect(accepted(rows)[0]).toMatchObject({latitude: 41.8781, longitude: -87.6298})
  })

  it('decodes Latin-1 (read as Windows-1252) with --encoding latin1', async () => {
    const text = `external_id,name,latitude,longitude,owner_email\nk,Café José’s,41,-87,${OWNER}\n`
    const bytes = Buffer.from(new Uint8Array([...text].map((c) => (c === '’' ? 0x92 : c.charCodeAt(0)))))
    const rows = await importAll(bytes, {...csv, encoding: 'latin1'})
    expect(accepted(rows)[0]!.name).toBe('Café José’s')
  })

  it('reads a file with a UTF-8 byte-order mark as UTF-8 even when latin1 was asked for', async () => {
    const rows = await importAll(`\uFEFFexternal_id,name,latitude,longitude,owner_email\nk,Café,41,-87,${OWNER}\n`, {...csv, encoding: 'latin1'})
    expect(accepted(rows)[0]).toMatchObject({externalId: 'k', name: 'Café'})
  })

  it('rejects cells that are not valid UTF-8 and suggests --encoding latin1', async () => {
    const bytes = Buffer.concat([Buffer.from(`external_id,name,latitude,longitude,owner_email\nk,Caf`), Buffer.from([0xe9]), Buffer.from(`,41,-87,${OWNER}\n`)])
    const rows = await importAll(bytes, csv)
    expect(rows[0]!.result).toMatchObject({ok: false, errors: [{field: 'row', column: 'name', expected: expect.stringContaining('--encoding latin1')}]})
  })

  it('rejects each kind of bad row with its row, field and what was expected, and imports the rest', async () => {
    const header = 'external_id,name,latitude,longitude,location_type,view_direction,field_of_view,records,retention_days,owner_email,owner_phone'
    const lines = [
      `good1,Ok,41.5,-87.5,business,10,90,yes,30,${OWNER},+1 312 555 0100`,
      `lat,Bad lat,91,-87.5,business,,,,,${OWNER},`,
      `lon,Bad lon,41.5,-181,business,,,,,${OWNER},`,
      `nan,Not a number,abc,-87.5,business,,,,,${OWNER},`,
      `,No id,41.5,-87.5,business,,,,,${OWNER},`,
      `type,Bad type,41.5,-87.5,castle,,,,,${OWNER},`,
      `dir,Bad dir,41.5,-87.5,business,360,,,,${OWNER},`,
      `fov,Bad fov,41.5,-87.5,business,,0,,,${OWNER},`,
      `rec,Bad records,41.5,-87.5,business,,,maybe,,${OWNER},`,
      `ret,Bad retention,41.5,-87.5,business,,,yes,-1,${OWNER},`,
      `mail,Bad email,41.5,-87.5,business,,,,,not-an-email,`,
      `phone,Bad phone,41.5,-87.5,business,,,,,${OWNER},call me`,
      `null,Null island,0,0,business,,,,,${OWNER},`,
      `good2,Ok,41.6,-87.6,,,,,,${OWNER},`,
    ]
    const rows = await importAll([header, ...lines].join('\n') + '\n', csv)
    expect(accepted(rows).map((c) => c.externalId)).toEqual(['good1', 'good2'])
    expect(rejected(rows).map((r) => [r.row, r.fields.join('+')])).toEqual([
      [3, 'latitude'],
      [4, 'longitude'],
      [5, 'latitude'],
      [6, 'external_id'],
      [7, 'location_type'],
      [8, 'view_direction'],
      [9, 'field_of_view'],
      [10, 'records'],
      [11, 'retention_days'],
      [12, 'owner_email'],
      [13, 'owner_phone'],
      [14, 'latitude'],
    ])
    const latitude = rows[1]!.result
    expect(latitude).toEqual({ok: false, errors: [{field: 'latitude', message: 'out of range', expected: 'a latitude in decimal degrees, -90..90', value: '91'}]})
  })

  it('accepts 0,0 with allowNullIsland', async () => {
    const rows = await importAll(`external_id,latitude,longitude,owner_email\nk,0,0,${OWNER}\n`, {...csv, allowNullIsland: true})
    expect(accepted(rows)).toHaveLength(1)
  })

  it('reports every bad field of a row at once', async () => {
    const rows = await importAll(`external_id,latitude,longitude,owner_email\nk,95,200,nobody\n`, csv)
    expect(rejected(rows)[0]!.fields.sort()).toEqual(['latitude', 'longitude', 'owner_email'])
  })

  it('rejects a second row with the same external_id and names the first', async () => {
    const rows = await importAll(`external_id,latitude,longitude,owner_email\nk,41,-87,${OWNER}\nk,42,-88,${OWNER}\n`, csv)
    expect(accepted(rows)).toHaveLength(1)
    expect(rows[1]!.result).toMatchObject({ok: false, errors: [{field: 'external_id', message: expect.stringContaining('duplicates row 2')}]})
  })

  it('allows the same external_id under different sources', async () => {
    const rows = await importAll(`external_id,source,latitude,longitude,owner_email\nk,a,41,-87,${OWNER}\nk,b,42,-88,${OWNER}\n`, csv)
    expect(accepted(rows)).toHaveLength(2)
  })

  it('rejects a row with more cells than the header, suggesting an unquoted delimiter', async () => {
    const rows = await importAll(`external_id,name,latitude,longitude,owner_email\nk,Smith, Jones,41,-87,${OWNER}\nk2,Ok,41,-87,${OWNER}\n`, csv)
    expect(rows[0]!.result).toMatchObject({ok: false, errors: [{field: 'row', message: 'has 6 cells but the header has 5'}]})
    expect(accepted(rows).map((c) => c.externalId)).toEqual(['k2'])
  })

  it('counts blank lines in row numbers but yields nothing for them', async () => {
    const rows = await importAll(`external_id,latitude,longitude,owner_email\n\nk,41,-87,${OWNER}\n\n`, csv)
    expect(rows.map((r) => r.row)).toEqual([3])
  })

  it('fills blank cells from defaults, and derives name from the address or id', async () => {
    const rows = await importAll(`external_id,address,latitude,longitude,owner_email\nk,1 Main St,41,-87,\nk2,,41,-87,x@example.com\n`, {
      ...csv,
      defaults: {source: 'city', owner_email: 'city@example.gov', location_type: 'public'},
    })
    expect(accepted(rows).map((c) => [c.name, c.ownerEmail, c.locationType, c.source])).toEqual([
      ['1 Main St', 'city@example.gov', 'public', 'city'],
      ['k2', 'x@example.com', 'public', 'city'],
    ])
  })

  it('takes columns from a --map, which wins over aliases, and reports mapped and ignored columns', async () => {
    const map = parseColumnMap({columns: {external_id: 'Asset No', latitude: 'N', longitude: 'E', owner_email: null}, defaults: {owner_email: OWNER}})
    let report: ColumnReport | undefined
    const rows = await importAll(`Asset No,id,N,E,Owner,Notes\nA-7,99,41.1,-87.1,someone-else@example.com,hello\n`, {...csv, map, onColumns: (c) => (report = c)})
    expect(accepted(rows)[0]).toMatchObject({externalId: 'A-7', latitude: 41.1, longitude: -87.1, ownerEmail: OWNER})
    expect(report).toMatchObject({mapped: {external_id: 'Asset No', latitude: 'N', longitude: 'E'}, ignored: ['id', 'Owner', 'Notes'], delimiter: ','})
  })

  it('fails before reading rows when the map names a column the file lacks', async () => {
    const map = parseColumnMap({columns: {external_id: 'LOCATION_ID'}})
    const error = await importAll(`id,latitude,longitude,owner_email\n1,41,-87,${OWNER}\n`, {...csv, map}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RtccError)
    expect((error as RtccError).message).toContain('"LOCATION_ID"')
    expect((error as RtccError).hint).toContain('"latitude"')
  })

  it('fails before reading rows when no column holds a required field', async () => {
    const error = await importAll(`name,lat,owner_email\nGate,41,${OWNER}\n`, csv).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RtccError)
    expect((error as RtccError).message).toBe('cams.csv has no column for longitude, external_id')
  })

  it('says where an unclosed quote broke the file, after yielding the rows before it', async () => {
    const rows: number[] = []
    const {readCameras} = await import('../../src/lib/registry/import.js')
    const text = `external_id,name,latitude,longitude,owner_email\nk1,Ok,41,-87,${OWNER}\nk2,"never closed,41,-87,${OWNER}\n`
    const error = await (async () => {
      for await (const row of readCameras([Buffer.from(text)], csv)) rows.push(row.row)
    })().catch((e: unknown) => e)
    expect(rows).toEqual([2])
    expect(error).toBeInstanceOf(RtccError)
    expect((error as RtccError).message).toMatch(/^cams\.csv: not valid CSV near row 3/)
  })

  it('restores cells that an export neutralised against formula injection', async () => {
    const rows = await importAll(`external_id,name,latitude,longitude,owner_email\nk,"'=HYPERLINK(""x"")",41,-87,${OWNER}\n`, csv)
    expect(accepted(rows)[0]!.name).toBe('=HYPERLINK("x")')
  })
})
