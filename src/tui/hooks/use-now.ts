/** The current time, ticking every `everyMs`, for "since" columns and the reconnect countdown. */
import {useEffect, useState} from 'react'

export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now)
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs)
    return () => clearInterval(timer)
  }, [everyMs])
  return now
}
