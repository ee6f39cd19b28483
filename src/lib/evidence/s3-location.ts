/**
 * The evidence store URL, `s3://BUCKET/PREFIX?endpoint=…&region=…&forcePathStyle=…&sse=…`, parsed and
 * checked without loading the AWS SDK (doctor and the start banner use it too).
 */
import type {ServerSideEncryption} from '@aws-sdk/client-s3'

import {RtccError} from '../errors.js'

/** What `s3://BUCKET/PREFIX?endpoint=…&region=…&forcePathStyle=…&sse=…` says. */
export interface S3Location {
  bucket: string
  /** Key prefix ending in `/`, or '' for the bucket's root. */
  prefix: string
  /** A non-AWS endpoint (MinIO, Ceph, a test peer), e.g. `http://127.0.0.1:9000`; undefined: AWS. */
  endpoint?: string
  region: string
  forcePathStyle: boolean
  /** Server-side encryption to request, or undefined for none. */
  sse?: ServerSideEncryption
}

const SSE_VALUES = ['AES256', 'aws:kms', 'aws:kms:dsse'] as const

function badUrl(url: string, what: string): RtccError {
  return new RtccError(`evidence store URL ${redactUrl(url)}: ${what}`, {
    code: 'usage',
    exitCode: 2,
    where: 'RTCC_EVIDENCE_URL / --evidence',
    hint: 'Expected s3://BUCKET/PREFIX?endpoint=https://s3.example.org&region=us-east-1&forcePathStyle=true&sse=AES256 (endpoint only for non-AWS stores; sse=off to not request server-side encryption).',
  })
}

/** The URL without secrets someone may have pasted into it (credentials come from the AWS chain only). */
export const redactUrl = (url: string) => url.replace(/\/\/[^/@?]*@/, '//…@').replace(/\?.*$/, (query) => (/(secret|key|token|password)/i.test(query) ? '?…' : query))

export function parseS3Url(url: string): S3Location {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw badUrl(url, 'not a URL')
  }
  if (parsed.protocol !== 's3:') throw badUrl(url, `scheme ${parsed.protocol} is not s3:`)
  const bucket = parsed.hostname
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw badUrl(url, `bucket ${JSON.stringify(bucket)} is not a valid bucket name`)
  if (parsed.username || parsed.password) throw badUrl(url, 'credentials do not belong in the URL; use AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or an instance role')
  const query = parsed.searchParams
  const known = new Set(['endpoint', 'region', 'forcePathStyle', 'sse'])
  for (const name of query.keys()) if (!known.has(name)) throw badUrl(url, `unknown option ${name} (known: ${[...known].join(', ')})`)
  const endpoint = query.get('endpoint') ?? undefined
  if (endpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(endpoint)) throw badUrl(url, `endpoint ${JSON.stringify(endpoint)} must be http(s)://host[:port]`)
  const flag = query.get('forcePathStyle')
  if (flag !== null && flag !== 'true' && flag !== 'false') throw badUrl(url, `forcePathStyle must be true or false, not ${JSON.stringify(flag)}`)
  const sse = query.get('sse')
  if (sse !== null && sse !== 'off' && !(SSE_VALUES as readonly string[]).includes(sse)) throw badUrl(url, `sse must be one of ${SSE_VALUES.join(', ')} or off`)
  const path = decodeURIComponent(parsed.pathname.replace(/^\/+/, ''))
  return {
    bucket,
    prefix: path && !path.endsWith('/') ? `${path}/` : path,
    endpoint,
    region: query.get('region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    // Custom endpoints (MinIO, test peers) usually have no per-bucket DNS names.
    forcePathStyle: flag === null ? endpoint !== undefined : flag === 'true',
    // AWS offers SSE-S3 everywhere, so ask for it there; other stores only when told (some reject it).
    sse: sse === 'off' ? undefined : ((sse as ServerSideEncryption | null) ?? (endpoint === undefined ? 'AES256' : undefined)),
  }
}

/** `s3://bucket/prefix/ (endpoint …, SSE AES256)`: for logs and `rtcc doctor`. */
export function describeS3(location: S3Location): string {
  const where = [location.endpoint ? `endpoint ${location.endpoint}` : `AWS ${location.region}`, location.sse ? `SSE ${location.sse}` : 'no SSE']
  return `s3://${location.bucket}/${location.prefix} (${where.join(', ')})`
}

