/**
 * A real S3 protocol peer on loopback (s3rver, objects in a temp folder) for the evidence store and the
 * cluster tests. s3rver checks request signatures, so the peer's credentials are put into the standard
 * AWS variables the SDK reads (its default chain, as a deployment would use); a child `rtcc server
 * start` should get `peer.env` in its environment.
 */
import {GetObjectCommand, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import S3rver from 's3rver'

export interface S3Peer {
  /** `s3://BUCKET/PREFIX?endpoint=…&region=…`: pass as StartOptions.evidence or `--evidence`. */
  url: string
  endpoint: string
  bucket: string
  prefix: string
  /** The AWS credential variables for a child process. */
  env: {AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string}
  /** A client for looking at or altering stored objects behind the server's back. */
  client: S3Client
  /** The stored object for a blob key (under the prefix). */
  read(key: string): Promise<Buffer>
  write(key: string, body: Buffer): Promise<void>
  close(): Promise<void>
}

const CREDENTIALS = {AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER'}

export async function startS3Peer(options: {bucket?: string; prefix?: string} = {}): Promise<S3Peer> {
  const bucket = options.bucket ?? 'rtcc-evidence'
  const prefix = options.prefix ?? 'test'
  const directory = mkdtempSync(join(tmpdir(), 'rtcc-s3-'))
  const peer = new S3rver({address: '127.0.0.1', port: 0, silent: true, directory, vhostBuckets: false, configureBuckets: [{name: bucket}]})
  const {port} = await peer.run()
  Object.assign(process.env, CREDENTIALS)
  const endpoint = `http://127.0.0.1:${port}`
  const client = new S3Client({region: 'us-east-1', endpoint, forcePathStyle: true, credentials: {accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY}})
  const objectKey = (key: string) => `${prefix}/${key}`
  return {
    url: `s3://${bucket}/${prefix}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1`,
    endpoint,
    bucket,
    prefix,
    env: CREDENTIALS,
    client,
    read: async (key) => Buffer.from(await (await client.send(new GetObjectCommand({Bucket: bucket, Key: objectKey(key)}))).Body!.transformToByteArray()),
    write: async (key, body) => void (await client.send(new PutObjectCommand({Bucket: bucket, Key: objectKey(key), Body: body}))),
    close: async () => {
      client.destroy()
      await peer.close()
      rmSync(directory, {recursive: true, force: true})
    },
  }
}
