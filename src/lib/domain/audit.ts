/** Audit log shapes on the wire that the server, the CLI and the Core all read. */

/**
 * GET /v1/audit/head: the server's newest signed checkpoint (with the witnesses' cosignatures), and
 * the consistency proof from the size a witness saw last.
 */
export interface AuditHead {
  size: number
  rootHash: string
  /** The signed note with the witnesses' cosignature lines. */
  checkpoint: string
  verifierKey: string
  /** Base64 consistency proof from the requested size (`from`), when it is not larger than this one. */
  proof?: string[]
}
