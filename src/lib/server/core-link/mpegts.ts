/**
 * Just enough of MPEG-TS (ISO/IEC 13818-1) to fan a live stream out to viewers who join at any time:
 * split 188-byte packets, find the PAT, the PMT and the video PID, and see where keyframes start
 * (payload start with the random-access indicator, which ffmpeg's muxer sets on keyframes). A viewer
 * then gets PAT + PMT + the packets from the last keyframe on, which every player decodes at once.
 * Hand-written because no maintained npm package exposes these few header bits without demuxing
 * the whole stream; the fields read here are fixed-position bit fields of the packet and section
 * headers, and anything unexpected is passed through unread.
 */
export const PACKET_SIZE = 188
const SYNC = 0x47

/** Stream types that carry video (H.262, MPEG-4 part 2, H.264, H.265). */
const VIDEO_STREAM_TYPES = new Set([0x01, 0x02, 0x10, 0x1b, 0x24])

export const packetPid = (p: Buffer): number => ((p[1]! & 0x1f) << 8) | p[2]!
export const payloadStart = (p: Buffer): boolean => (p[1]! & 0x40) !== 0

export function randomAccess(p: Buffer): boolean {
  const hasAdaptation = (p[3]! & 0x20) !== 0
  return hasAdaptation && p[4]! > 0 && (p[5]! & 0x40) !== 0
}

function payloadOffset(p: Buffer): number {
  const hasAdaptation = (p[3]! & 0x20) !== 0
  return hasAdaptation ? 5 + p[4]! : 4
}

/** The section of a PSI packet that starts one (pointer field skipped), or undefined. */
function section(p: Buffer): Buffer | undefined {
  if (!payloadStart(p)) return undefined
  const start = payloadOffset(p)
  if (start >= PACKET_SIZE) return undefined
  const sectionStart = start + 1 + p[start]!
  return sectionStart < PACKET_SIZE ? p.subarray(sectionStart) : undefined
}

/** First program's PMT PID from a PAT packet. */
export function pmtPidFromPat(p: Buffer): number | undefined {
  const s = section(p)
  if (!s || s[0] !== 0x00 || s.length < 8) return undefined
  const length = ((s[1]! & 0x0f) << 8) | s[2]!
  const end = Math.min(3 + length - 4, s.length) // minus CRC
  for (let i = 8; i + 4 <= end; i += 4) {
    const program = (s[i]! << 8) | s[i + 1]!
    if (program !== 0) return ((s[i + 2]! & 0x1f) << 8) | s[i + 3]!
  }
  return undefined
}

/** The first video elementary stream's PID from a PMT packet. */
export function videoPidFromPmt(p: Buffer): number | undefined {
  const s = section(p)
  if (!s || s[0] !== 0x02 || s.length < 12) return undefined
  const length = ((s[1]! & 0x0f) << 8) | s[2]!
  const end = Math.min(3 + length - 4, s.length)
  const programInfo = ((s[10]! & 0x0f) << 8) | s[11]!
  for (let i = 12 + programInfo; i + 5 <= end; ) {
    const type = s[i]!
    const pid = ((s[i + 1]! & 0x1f) << 8) | s[i + 2]!
    if (VIDEO_STREAM_TYPES.has(type)) return pid
    i += 5 + (((s[i + 3]! & 0x0f) << 8) | s[i + 4]!)
  }
  return undefined
}

/** Cuts a byte stream into whole packets, keeping the remainder and re-synchronising on garbage. */
export class PacketSplitter {
  private rest = Buffer.alloc(0)

  split(chunk: Buffer): Buffer[] {
    let data = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk
    const packets: Buffer[] = []
    let i = 0
    while (data.length - i >= PACKET_SIZE) {
      if (data[i] !== SYNC) {
        const next = data.indexOf(SYNC, i + 1)
        if (next < 0) {
          i = data.length
          break
        }
        i = next
        continue
      }
      packets.push(data.subarray(i, i + PACKET_SIZE))
      i += PACKET_SIZE
    }
    data = data.subarray(i)
    this.rest = Buffer.from(data)
    return packets
  }
}
