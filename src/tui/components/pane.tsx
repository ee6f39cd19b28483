/** A bordered pane with a title line; the focused one has a double border (and colour, if any). */
import {Box, Text} from 'ink'
import type {ReactNode} from 'react'

import {accent, useTheme} from '../theme.js'

export interface PaneProps {
  title: string
  focused: boolean
  width: number
  height: number
  children?: ReactNode
}

export function Pane({title, focused, width, height, children}: PaneProps) {
  const theme = useTheme()
  const border = theme.unicode ? (focused ? 'double' : 'single') : focused ? 'bold' : 'classic'
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle={border} borderColor={focused ? accent(theme, 'cyan') : undefined} overflow="hidden">
      <Text bold wrap="truncate">
        {title}
      </Text>
      {children}
    </Box>
  )
}

/** Which rows of a long list to draw so the selected one stays in view. */
export function visibleWindow(total: number, selectedIndex: number, rows: number): {start: number; end: number} {
  if (rows <= 0) return {start: 0, end: 0}
  const start = Math.min(Math.max(0, selectedIndex - rows + 1), Math.max(0, total - rows))
  return {start, end: Math.min(total, start + rows)}
}

export interface RowProps {
  text: string
  selected: boolean
  color?: string
  dim?: boolean
  bold?: boolean
}

export function Row({text, selected, color, dim, bold}: RowProps) {
  return (
    <Text wrap="truncate" inverse={selected} color={color} dimColor={dim && !selected} bold={bold}>
      {text}
    </Text>
  )
}
