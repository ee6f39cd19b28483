/**
 * Picks the evidence blob backend from the evidence URL (`--evidence`, `RTCC_EVIDENCE_URL`): none means
 * the local folder in the data dir (the embedded default), `s3://…` an S3-compatible object store. The
 * AWS SDK is loaded only when an S3 store is asked for.
 */
import {join} from 'node:path'

import {RtccError} from '../errors.js'
import {type BlobStore, LocalBlobStore} from './blob-store.js'
import type {S3BlobStoreOptions} from './s3-blob-store.js'
import {describeS3, parseS3Url, redactUrl} from './s3-location.js'

export interface OpenedBlobStore {
  blobs: BlobStore
  /** Where the blobs are, for the start banner and `rtcc doctor`: `local folder /srv/rtcc/evidence` or `s3://…`. */
  description: string
  close(): void
}

export async function openBlobStore(dataDir: string, evidenceUrl: string | undefined, s3Options?: S3BlobStoreOptions): Promise<OpenedBlobStore> {
  if (!evidenceUrl) {
    const blobs = await LocalBlobStore.open(dataDir)
    return {blobs, description: describeEvidenceStore(dataDir, undefined), close: () => undefined}
  }
  if (!evidenceUrl.startsWith('s3://')) throw unknownScheme(evidenceUrl)
  const {S3BlobStore} = await import('./s3-blob-store.js')
  const blobs = await S3BlobStore.open(evidenceUrl, s3Options)
  return {blobs, description: blobs.describe(), close: () => blobs.close()}
}

/** The same description without connecting (doctor): the URL is parsed, so a bad one throws naming what is wrong. */
export function describeEvidenceStore(dataDir: string, evidenceUrl: string | undefined): string {
  if (!evidenceUrl) return `local folder ${join(dataDir, 'evidence')}`
  if (!evidenceUrl.startsWith('s3://')) throw unknownScheme(evidenceUrl)
  return describeS3(parseS3Url(evidenceUrl))
}

function unknownScheme(url: string): RtccError {
  return new RtccError(`evidence store URL ${redactUrl(url)}: only s3:// is supported (or no URL, for the local folder in the data dir)`, {
    code: 'usage',
    exitCode: 2,
    where: 'RTCC_EVIDENCE_URL / --evidence',
  })
}
