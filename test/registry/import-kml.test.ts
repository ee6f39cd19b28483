import {describe, expect, it} from 'vitest'

import {RtccError} from '../../src/lib/errors.js'
import {accepted, importAll, OWNER, rejected} from './helpers.js'

const kml = `<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>Cams</name>
<Folder>
  <Placemark id="k1">
    <name>Corner store &amp; deli</name>
    <description><![CDATA[Looks at <b>the door</b>]]></description>
    <ExtendedData>
      <Data name="owner_email"><value>${OWNER}</value></Data>
      <Data name="fov"><value>90</value></Data>
    </ExtendedData>
    <Point><coordinates>-87.62,41.87,0</coordinates></Point>
  </Placemark>
  <Placemark>
    <name>Schema&#8217;s data</name>
    <ExtendedData><SchemaData schemaUrl="#s">
      <SimpleData name="external_id">k2</SimpleData>
      <SimpleData name="owner_email">${OWNER}</SimpleData>
      <SimpleData name="type">school</SimpleData>
    </SchemaData></ExtendedData>
    <Point><coordinates> -87.61 , 41.86 </coordinates></Point>
  </Placemark>
  <Placemark><name>A line</name><LineString><coordinates>0,0 1,1</coordinates></LineString></Placemark>
</Folder></Document></kml>`

describe('KML import', () => {
  it('reads Placemarks with names, descriptions, ExtendedData and Point coordinates', async () => {
    const rows = await importAll(kml, {format: 'kml', fileName: 'cams.kml', defaults: {source: 'k'}})
    expect(accepted(rows)).toEqual([
      expect.objectContaining({externalId: 'k1', name: 'Corner store & deli', viewDescription: 'Looks at <b>the door</b>', fieldOfView: 90, latitude: 41.87, longitude: -87.62}),
      expect.objectContaining({externalId: 'k2', name: 'Schema’s data', locationType: 'school', latitude: 41.86, longitude: -87.61}),
    ])
    expect(rejected(rows)).toEqual([{row: 3, fields: ['row'], messages: ['has no Point']}])
  })

  it('fails on a Placemark that is never closed', async () => {
    const error = await importAll(kml.replace('</Placemark>\n  <Placemark>', '\n  <Placemark>').replace(/<\/Placemark>/g, ''), {format: 'kml', fileName: 'open.kml', defaults: {source: 'k'}}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RtccError)
    expect((error as RtccError).message).toContain('is not closed')
  })
})
