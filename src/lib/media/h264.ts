/**
 * Just enough H.264 bitstream knowledge to describe a stream in SDP (RFC 6184): split an Annex B
 * byte stream into NAL units and turn its SPS and PPS into `sprop-parameter-sets`.
 */
export const NAL_SPS = 7
export const NAL_PPS = 8

/** NAL units of an Annex B stream (start codes 00 00 01 or 00 00 00 01); a trailing partial unit is kept. */
export function splitAnnexB(data: Buffer): Buffer[] {
  const starts: {at: number; length: number}[] = []
  for (let i = 0; i + 2 < data.length; i++) {
    if (data[i] === 0 && data[i + 1] === 0) {
      if (data[i + 2] === 1) starts.push({at: i, length: 3})
      else if (data[i + 2] === 0 && data[i + 3] === 1) starts.push({at: i++, length: 4})
    }
  }
  return starts.map((s, k) => data.subarray(s.at + s.length, starts[k + 1]?.at ?? data.length)).filter((n) => n.length > 0)
}

export const nalType = (nal: Buffer): number => nal[0]! & 0x1f

/** The fmtp line for payload type `pt` given the stream's SPS and PPS. */
export function h264Fmtp(pt: number, sps: Buffer, pps: Buffer): string {
  const profileLevelId = sps.subarray(1, 4).toString('hex').toUpperCase()
  return `a=fmtp:${pt} packetization-mode=1;profile-level-id=${profileLevelId};sprop-parameter-sets=${sps.toString('base64')},${pps.toString('base64')}`
}
