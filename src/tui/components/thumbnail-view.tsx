/** A live stream's picture in half-block characters (or a brightness ramp without colour). */
import {Box, Text} from 'ink'

import {duration} from '../render/format.js'
import {halfBlockLines} from '../render/half-block.js'
import type {Thumbnail} from '../hooks/use-thumbnail.js'
import {useTheme} from '../theme.js'

export function ThumbnailView({thumbnail, width, now}: {thumbnail: Thumbnail; width: number; now: number}) {
  const theme = useTheme()
  const lines = thumbnail.pixels ? halfBlockLines(thumbnail.pixels, theme.pixels) : []
  const age = thumbnail.at === undefined ? '' : ` · frame ${duration(now - thumbnail.at)} old`
  return (
    <Box flexDirection="column" width={width} flexShrink={0}>
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate">
          {line}
        </Text>
      ))}
      <Text dimColor wrap="truncate">
        {thumbnail.error ? `no picture: ${thumbnail.error}` : thumbnail.pixels ? `live picture${age}` : 'waiting for a frame…'}
      </Text>
    </Box>
  )
}
