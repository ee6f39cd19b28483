/** Registered cameras around a point (a panic location), loaded once per point and radius. */
import {useEffect, useState} from 'react'

import type {DashboardSource, NearbyCamera} from '../../lib/client/dashboard.js'
import type {LatLon} from '../model/event-map.js'

export interface Nearby {
  cameras?: NearbyCamera[]
  error?: string
}

export function useNearby(source: DashboardSource, at: LatLon | undefined, radiusMetres: number): Nearby {
  const [nearby, setNearby] = useState<Nearby>({})
  useEffect(() => {
    if (!at) return
    let live = true
    setNearby({})
    source.nearby(at, radiusMetres).then(
      (cameras) => live && setNearby({cameras}),
      (error: Error) => live && setNearby({error: error.message}),
    )
    return () => {
      live = false
    }
  }, [source, at?.latitude, at?.longitude, radiusMetres])
  return nearby
}
