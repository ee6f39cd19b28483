/** One line of `rtcc doctor`: ✔ or ✘, what was found, and how to fix it. */
export interface Check {
  name: string
  ok: boolean
  detail: string
  fix?: string
}

export interface DoctorReport {
  ok: boolean
  checks: Check[]
}
