/** The shapes of server-side video search that the API returns: an index job per case, and a hit. */

export interface SightingBox {
  x1: number
  y1: number
  x2: number
  y2: number
}

export interface SearchJob {
  id: string
  caseId: string
  agencyId: string | null
  startedBy: string
  status: 'running' | 'done' | 'failed'
  filesTotal: number
  filesDone: number
  sightings: number
  error: string | null
  createdAt: string
  updatedAt: string
}

export interface ServerHit {
  id: string
  label: string
  score: number
  colours: string[]
  camera: string | null
  caseId: string
  requestId: string
  evidenceId: string
  startSeconds: number
  endSeconds: number
  bestSeconds: number
  box: SightingBox
  thumbnail: string
}
