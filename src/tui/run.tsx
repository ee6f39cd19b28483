/**
 * Mounts the dashboard full screen (the terminal's alternate screen, so the shell comes back as it
 * was) and resolves when the operator quits. Only `rtcc dashboard` and `rtcc demo` import this, and
 * only dynamically, so no other command pays for loading Ink and React.
 */
import {render} from 'ink'

import {App, type AppProps} from './app.js'

const ENTER_ALT_SCREEN = '\u001B[?1049h\u001B[H'
const LEAVE_ALT_SCREEN = '\u001B[?1049l'

/** Resolves when the operator quits (q, Ctrl-C) or `signal` aborts (SIGTERM, the demo stopping). */
export async function runDashboard(props: AppProps & {signal?: AbortSignal}): Promise<void> {
  const {signal, ...appProps} = props
  const out = process.stdout
  if (out.isTTY) out.write(ENTER_ALT_SCREEN)
  try {
    const instance = render(<App {...appProps} />, {exitOnCtrlC: true, patchConsole: true, maxFps: 20})
    const unmount = () => instance.unmount()
    signal?.addEventListener('abort', unmount, {once: true})
    await instance.waitUntilExit()
    signal?.removeEventListener('abort', unmount)
  } finally {
    if (out.isTTY) out.write(LEAVE_ALT_SCREEN)
  }
}
