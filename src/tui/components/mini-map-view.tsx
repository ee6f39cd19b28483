/** The map around a panic: registered cameras nearby, the ones the panic shares, a scale and north. */
import {Box, Text} from 'ink'

import type {NearbyCamera} from '../../lib/client/dashboard.js'
import type {AlertCamera, LatLon} from '../model/event-map.js'
import {distance} from '../render/format.js'
import {type MapPoint, renderMiniMap, scaleBar} from '../render/mini-map.js'
import {accent, useTheme} from '../theme.js'

export interface MiniMapViewProps {
  center: LatLon
  radiusMetres: number
  nearby?: NearbyCamera[]
  error?: string
  shared: AlertCamera[]
  width: number
  height: number
}

export function mapPoints(nearby: NearbyCamera[], shared: AlertCamera[]): MapPoint[] {
  const sharedIds = new Set(shared.map((c) => c.id))
  return nearby.map((c) => ({latitude: c.latitude, longitude: c.longitude, mark: sharedIds.has(c.id) ? 'shared' : 'camera'}))
}

export function MiniMapView({center, radiusMetres, nearby, error, shared, width, height}: MiniMapViewProps) {
  const theme = useTheme()
  const ascii = !theme.unicode
  const gridHeight = Math.max(3, height - 2)
  const map = renderMiniMap({center, radiusMetres, width, height: gridHeight, points: mapPoints(nearby ?? [], shared), ascii})
  const status = error ? `registry: ${error}` : nearby ? `${nearby.length} registered within ${distance(radiusMetres)}` : 'loading registry…'
  return (
    <Box flexDirection="column" width={width} flexShrink={0}>
      <Text wrap="truncate">
        <Text bold>{ascii ? 'N^' : 'N↑'}</Text> <Text dimColor>{status}</Text>
      </Text>
      {map.lines.map((line, i) => (
        <Text key={i} color={accent(theme, 'green')} wrap="truncate">
          {line}
        </Text>
      ))}
      <Text dimColor wrap="truncate">
        {scaleBar(map.metresPerColumn, Math.min(width, 16), ascii)}
      </Text>
    </Box>
  )
}
