/** The terminal's size, updated on resize (Ink redraws; this tells the layout how much room it has). */
import {useStdout} from 'ink'
import {useEffect, useState} from 'react'

export interface Size {
  columns: number
  rows: number
}

export function useTerminalSize(fixed?: Size): Size {
  const {stdout} = useStdout()
  const read = (): Size => fixed ?? {columns: stdout.columns || 80, rows: stdout.rows || 24}
  const [size, setSize] = useState(read)
  useEffect(() => {
    if (fixed) return
    const update = () => setSize(read())
    stdout.on('resize', update)
    return () => {
      stdout.off('resize', update)
    }
  }, [stdout, fixed?.columns, fixed?.rows])
  return fixed ?? size
}
