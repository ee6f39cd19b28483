import {describe, expect, it} from 'vitest'

import {parseDistance} from '../../src/lib/domain/camera.js'
import {RtccError} from '../../src/lib/errors.js'
import {
  angleBetween, areaBoundingBox, bearingDegrees, boundingBoxes, compileArea, coversBearing, distanceMetres,
  facesPoint, inBox, nearFacts, parseArea, retentionCovers, type LatLon,
} from '../../src/lib/registry/geo.js'

const chicago = {latitude: 41.8781, longitude: -87.6298}

/** A point `metres` from `from` along `bearing` on the same sphere, to build exact cases. */
function destination(from: LatLon, bearing: number, metres: number): LatLon {
  const R = 6_371_008.8
  const δ = metres / R
  const θ = (bearing * Math.PI) / 180
  const φ1 = (from.latitude * Math.PI) / 180
  const λ1 = (from.longitude * Math.PI) / 180
  const φ2 = Math.asin(Math.sin(φ1) * Math.cos(δ) + Math.cos(φ1) * Math.sin(δ) * Math.cos(θ))
  const λ2 = λ1 + Math.atan2(Math.sin(θ) * Math.sin(δ) * Math.cos(φ1), Math.cos(δ) - Math.sin(φ1) * Math.sin(φ2))
  return {latitude: (φ2 * 180) / Math.PI, longitude: ((((λ2 * 180) / Math.PI + 540) % 360) - 180)}
}

describe('distance and bearing', () => {
  it('measures known distances', () => {
    // One degree of latitude on the mean sphere.
    expect(distanceMetres({latitude: 0, longitude: 0}, {latitude: 1, longitude: 0})).toBeCloseTo(111_195.08, 1)
    // Chicago (Willis Tower) → Milwaukee City Hall: about 130 km.
    expect(distanceMetres({latitude: 41.8789, longitude: -87.6359}, {latitude: 43.0417, longitude: -87.9097}) / 1000).toBeCloseTo(130.9, 0)
    expect(distanceMetres(chicago, chicago)).toBe(0)
  })

  it('gives compass bearings, including across the antimeridian', () => {
    expect(bearingDegrees(chicago, destination(chicago, 0, 500))).toBeCloseTo(0, 6)
    expect(bearingDegrees(chicago, destination(chicago, 90, 500))).toBeCloseTo(90, 3)
    expect(bearingDegrees(chicago, destination(chicago, 200, 500))).toBeCloseTo(200, 3)
    expect(bearingDegrees({latitude: 0, longitude: 179.9}, {latitude: 0, longitude: -179.9})).toBeCloseTo(90, 6)
  })

  it('measures angles across the 0/360 seam', () => {
    expect(angleBetween(350, 10)).toBe(20)
    expect(angleBetween(10, 350)).toBe(20)
    expect(angleBetween(0, 180)).toBe(180)
    expect(angleBetween(720, 0)).toBe(0)
  })
})

describe('faces the point', () => {
  const cone = (viewDirection: number | null, fieldOfView: number | null) => ({viewDirection, fieldOfView})

  it('covers bearings within direction ± fov/2, wrapping at north', () => {
    expect(coversBearing(cone(350, 40), 5)).toBe(true)
    expect(coversBearing(cone(350, 40), 10)).toBe(true)
    expect(coversBearing(cone(350, 40), 10.01)).toBe(false)
    expect(coversBearing(cone(10, 40), 350)).toBe(true)
    expect(coversBearing(cone(10, 40), 349)).toBe(false)
    expect(coversBearing(cone(180, 360), 0)).toBe(true)
  })

  it('is unknown without a direction or a field of view', () => {
    expect(coversBearing(cone(null, 90), 0)).toBeNull()
    expect(coversBearing(cone(90, null), 90)).toBeNull()
  })

  it('tells whether a camera looks toward a point', () => {
    const cam = {...chicago, viewDirection: 90, fieldOfView: 60}
    expect(facesPoint(cam, destination(chicago, 100, 150))).toBe(true)
    expect(facesPoint(cam, destination(chicago, 130, 150))).toBe(false)
    expect(facesPoint(cam, destination(chicago, 270, 150))).toBe(false)
  })

  it('reports distance, bearing from the point, facing and retention together', () => {
    const point = destination(chicago, 270, 200) // 200 m west of the camera
    const cam = {...chicago, viewDirection: 270, fieldOfView: 90, records: true, retentionDays: 30}
    const facts = nearFacts(point, cam, {when: '2026-01-10T12:00:00Z', now: new Date('2026-01-20T00:00:00Z')})
    expect(facts.distanceMetres).toBeCloseTo(200, 6)
    expect(facts.bearingFromPoint).toBeCloseTo(90, 2)
    expect(facts.facesPoint).toBe(true)
    expect(facts.footageRetained).toBe(true)
    expect(nearFacts(point, cam)).not.toHaveProperty('footageRetained')
  })
})

describe('radius parsing', () => {
  it.each([
    ['300m', 300],
    ['1.5km', 1500],
    ['500ft', 152.4],
    ['0.5mi', 804.672],
    [' 2 KM ', 2000],
    ['.25 miles', 402.336],
  ])('reads %j as %d metres', (text, metres) => {
    expect(parseDistance(text)).toBeCloseTo(metres, 9)
  })

  it.each(['300', 'abc', '1.5 furlongs', '-3m', '0m', ''])('refuses %j with a usage error naming the units', (text) => {
    const error = (() => {
      try {
        parseDistance(text)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(RtccError)
    expect((error as RtccError).exitCode).toBe(2)
    expect((error as RtccError).hint).toContain('m, km, ft, mi')
  })
})

describe('bounding box for a radius', () => {
  it('contains every point on the circle, and is tight', () => {
    for (const center of [chicago, {latitude: -60, longitude: 20}, {latitude: 0, longitude: 0}]) {
      for (const radius of [300, 2000, 50_000]) {
        const [box] = boundingBoxes(center, radius)
        for (let bearing = 0; bearing < 360; bearing += 1) {
          const p = destination(center, bearing, radius * 0.999999)
          expect(inBox(p.latitude, p.longitude, box!)).toBe(true)
        }
        const north = destination(center, 0, radius * 1.001)
        const east = destination(center, 90, radius * 1.01)
        expect(inBox(north.latitude, north.longitude, box!)).toBe(false)
        expect(inBox(east.latitude, center.longitude + (east.longitude - center.longitude) * 1.05, box!)).toBe(false)
      }
    }
  })

  it('splits in two across the antimeridian', () => {
    const boxes = boundingBoxes({latitude: 0, longitude: 179.999}, 1000)
    expect(boxes).toHaveLength(2)
    expect(boxes[0]!.maxLongitude).toBe(180)
    expect(boxes[1]!.minLongitude).toBe(-180)
    const across = destination({latitude: 0, longitude: 179.999}, 90, 900)
    expect(across.longitude).toBeLessThan(0)
    expect(boxes.some((b) => inBox(across.latitude, across.longitude, b))).toBe(true)
  })

  it('spans all longitudes when the circle reaches a pole', () => {
    expect(boundingBoxes({latitude: 89.999, longitude: 10}, 1000)).toEqual([{minLatitude: expect.any(Number), maxLatitude: 90, minLongitude: -180, maxLongitude: 180}])
  })
})

describe('jurisdictions', () => {
  // A square "county" with a square "city" hole in it, and a separate island.
  const county = [[-88, 41], [-87, 41], [-87, 42], [-88, 42], [-88, 41]]
  const hole = [[-87.7, 41.7], [-87.3, 41.7], [-87.3, 41.9], [-87.7, 41.9], [-87.7, 41.7]]
  const island = [[-86, 41], [-85.5, 41], [-85.5, 41.5], [-86, 41]]
  const area = parseArea({type: 'MultiPolygon', coordinates: [[county, hole], [island]]})
  const inside = compileArea(area)

  it('includes points inside the outer ring and excludes the hole', () => {
    expect(inside({latitude: 41.5, longitude: -87.9})).toBe(true)
    expect(inside({latitude: 41.8, longitude: -87.5})).toBe(false)
    expect(inside({latitude: 41.2, longitude: -85.6})).toBe(true)
  })

  it('excludes a point just outside the boundary and includes one on it', () => {
    expect(inside({latitude: 41.5, longitude: -87.0000001})).toBe(true)
    expect(inside({latitude: 41.5, longitude: -86.9999999})).toBe(false)
    expect(inside({latitude: 42.0000001, longitude: -87.5})).toBe(false)
    expect(inside({latitude: 41.5, longitude: -87})).toBe(true)
    expect(inside({latitude: 41.7, longitude: -87.5})).toBe(true)
  })

  it('reads a Feature or FeatureCollection and merges polygons', () => {
    const fc = {type: 'FeatureCollection', features: [{type: 'Feature', properties: {}, geometry: {type: 'Polygon', coordinates: [county]}}, {type: 'Feature', properties: {}, geometry: {type: 'Polygon', coordinates: [island]}}]}
    const merged = parseArea(fc)
    expect(merged.type).toBe('MultiPolygon')
    expect(areaBoundingBox(merged)).toEqual({minLatitude: 41, maxLatitude: 42, minLongitude: -88, maxLongitude: -85.5})
  })

  it('refuses something that is not a polygon, saying where', () => {
    expect(() => parseArea({type: 'Feature', geometry: {type: 'Point', coordinates: [1, 2]}}, 'area.geojson')).toThrow(/^area\.geojson: \$\.geometry/)
    expect(() => parseArea({type: 'Polygon', coordinates: [[[0, 0], [1, 1], [0, 0]]]})).toThrow(/at least 4 positions/)
  })
})

describe('retention', () => {
  const now = new Date('2026-03-01T00:00:00Z')
  it('covers footage within the retention window only', () => {
    const cam = {records: true, retentionDays: 7}
    expect(retentionCovers(cam, '2026-02-25T00:00:00Z', now)).toBe(true)
    expect(retentionCovers(cam, '2026-02-22T00:00:00Z', now)).toBe(true)
    expect(retentionCovers(cam, '2026-02-21T23:59:59Z', now)).toBe(false)
    expect(retentionCovers(cam, '2026-03-02T00:00:00Z', now)).toBe(false)
  })

  it('is false for a camera that does not record and unknown without a retention period', () => {
    expect(retentionCovers({records: false, retentionDays: 30}, '2026-02-28T00:00:00Z', now)).toBe(false)
    expect(retentionCovers({records: true, retentionDays: null}, '2026-02-28T00:00:00Z', now)).toBeNull()
  })

  it('refuses a time it cannot read', () => {
    expect(() => retentionCovers({records: true, retentionDays: 1}, 'yesterday', now)).toThrow(/is not a time/)
  })
})
