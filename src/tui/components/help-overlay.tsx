/** `?`: every key, and what the marks on the alerts and the map mean. */
import {Box, Text} from 'ink'

import {useTheme} from '../theme.js'

const KEYS: [string, string][] = [
  ['Tab, Shift-Tab, ← →', 'move between Alerts, Streams and Requests'],
  ['↑ ↓, j k, PgUp PgDn, g G', 'move within the pane'],
  ['Enter', 'details: map for a panic, live picture for a stream, requests of a case'],
  ['a', 'acknowledge the selected alert'],
  ['A', 'acknowledge every alert shown'],
  ['/', 'filter the lists (Esc clears)'],
  ['?', 'this help'],
  ['q, Ctrl-C', 'quit'],
]

export function HelpOverlay({width, height}: {width: number; height: number}) {
  const theme = useTheme()
  const u = theme.unicode
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle={u ? 'double' : 'classic'} paddingX={1} overflow="hidden">
      <Text bold>Keys</Text>
      {KEYS.map(([key, what]) => (
        <Text key={key} wrap="truncate">
          <Text bold>{key.padEnd(26)}</Text>
          {what}
        </Text>
      ))}
      <Text> </Text>
      <Text bold>Marks</Text>
      <Text wrap="truncate">{`${u ? '●' : '*'} new   ${u ? '✓' : '+'} resolved (cleared, back online)   dim: acknowledged   CRIT WARN INFO: severity`}</Text>
      <Text wrap="truncate">{`map: ${u ? '✖' : 'X'} incident  ${u ? '◆' : '#'} camera shared by the panic  ${u ? '•' : 'o'} registered camera  2-9 several  ${u ? '·' : '.'} radius`}</Text>
    </Box>
  )
}
