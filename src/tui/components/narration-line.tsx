/** The narration under the status bar, one line, cut at a word boundary. */
import {Text} from 'ink'

import {truncateWords} from '../render/format.js'
import {accent, useTheme} from '../theme.js'

export function NarrationLine({line, width}: {line: string | undefined; width: number}) {
  const theme = useTheme()
  return (
    <Text wrap="truncate" color={accent(theme, 'cyan')}>
      {truncateWords(line ?? '', width) || ' '}
    </Text>
  )
}
