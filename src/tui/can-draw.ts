/**
 * Whether a full-screen Ink app can be drawn here. Besides a terminal on both ends, Ink itself draws
 * nothing until exit when `CI` or `CONTINUOUS_INTEGRATION` is set to anything but 0/false (even
 * empty), so that counts as not interactive too. Free of Ink, for commands to check before loading it.
 */
import {isInteractive} from '../lib/output/terminal.js'

const set = (name: string) => name in process.env && process.env[name] !== '0' && process.env[name] !== 'false'

export function canDraw(): boolean {
  return isInteractive() && !set('CI') && !set('CONTINUOUS_INTEGRATION')
}
