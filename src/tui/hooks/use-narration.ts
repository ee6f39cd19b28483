/** A line of narration above the panes (the demo says what its scenario is doing), latest first. */
import {useEffect, useState} from 'react'

export interface Narration {
  /** The line to show now (a dashboard that mounts late still gets it). */
  current(): string | undefined
  subscribe(listener: (line: string) => void): () => void
}

export function useNarration(narration: Narration | undefined): string | undefined {
  const [line, setLine] = useState(() => narration?.current())
  useEffect(() => {
    if (!narration) return undefined
    setLine(narration.current())
    return narration.subscribe(setLine)
  }, [narration])
  return line
}
