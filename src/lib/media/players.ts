/**
 * Video players for `rtcc stream open --play`. None ships with rtcc (the bundled ffmpeg has no
 * ffplay), so we use whichever of ffplay, mpv or VLC is installed. RTCC_PLAYER names the one to use
 * (a path, or a name looked up on PATH); any other program given there is handed just the URL.
 */
import {accessSync, constants} from 'node:fs'
import {basename, delimiter, isAbsolute, join} from 'node:path'

export interface Player {
  /** ffplay, mpv, vlc, or the file name of an RTCC_PLAYER program. */
  name: string
  path: string
}

/** Looked up on PATH in this order; macOS apps keep their binaries outside PATH. */
const KNOWN = ['ffplay', 'mpv', 'vlc']
const MAC_APPS: Record<string, string> = {mpv: '/Applications/mpv.app/Contents/MacOS/mpv', vlc: '/Applications/VLC.app/Contents/MacOS/VLC'}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function onPath(name: string): string | undefined {
  const file = process.platform === 'win32' ? `${name}.exe` : name
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) if (executable(join(dir, file))) return join(dir, file)
  if (process.platform === 'darwin' && MAC_APPS[name] && executable(MAC_APPS[name])) return MAC_APPS[name]
  return undefined
}

/** `/usr/bin/mpv` → mpv; `VLC`, `vlc.exe`, `cvlc` → vlc. */
function kindOf(path: string): string {
  const name = basename(path).toLowerCase().replace(/\.exe$/, '')
  return name === 'cvlc' ? 'vlc' : name
}

/** The RTCC_PLAYER setting, or undefined when unset. */
export function playerOverride(): string | undefined {
  return process.env.RTCC_PLAYER || undefined
}

/** The RTCC_PLAYER program when it can run, resolved against PATH when it is a bare name. */
export function overridePlayer(): Player | undefined {
  const wanted = playerOverride()
  if (!wanted) return undefined
  const path = isAbsolute(wanted) || wanted.includes('/') ? (executable(wanted) ? wanted : undefined) : onPath(wanted)
  return path ? {name: kindOf(path), path} : undefined
}

/** Players that can run here, the one to use first: RTCC_PLAYER, then ffplay, mpv and VLC on PATH. */
export async function findPlayers(): Promise<Player[]> {
  const found = [overridePlayer(), ...KNOWN.map((name) => ({name, path: onPath(name)}))].filter((p): p is Player => Boolean(p?.path))
  return found.filter((p, i) => found.findIndex((q) => q.path === p.path) === i)
}

/** Command-line arguments that make each player show `title` and play `url` with little delay. */
export function playerArgs(player: Player, url: string, title: string): string[] {
  switch (player.name) {
    case 'ffplay':
      return ['-hide_banner', '-loglevel', 'error', '-window_title', title, '-fflags', 'nobuffer', url]
    case 'mpv':
      return [`--force-media-title=${title}`, '--cache=no', url]
    case 'vlc':
      return [`--meta-title=${title}`, '--network-caching=300', '--play-and-exit', url]
    default:
      return [url]
  }
}
