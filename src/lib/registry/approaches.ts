/**
 * Traffic enforcement files (Chicago's red-light and speed cameras) say which traffic a camera watches
 * (`NB` = northbound), not where it looks. A camera watching northbound traffic faces the oncoming
 * cars, i.e. south: the view direction is the approach's travel direction turned 180°.
 */
const TRAVEL_DIRECTION: Record<string, number> = {NB: 0, NEB: 45, EB: 90, SEB: 135, SB: 180, SWB: 225, WB: 270, NWB: 315}

/** The view direction of an approach code, or undefined for anything else (`NA`, blanks, typos). */
export function viewDirectionForApproach(code: string): number | undefined {
  const travel = TRAVEL_DIRECTION[code.trim().toUpperCase()]
  return travel === undefined ? undefined : (travel + 180) % 360
}

/**
 * A view direction only when it is unambiguous: every non-blank approach is a known code and they all
 * agree. A camera listed for NB and WB watches two ways, and an unknown code could be anything, so
 * those stay unset rather than guessed.
 */
export function viewDirectionFromApproaches(cells: readonly unknown[]): number | null {
  let direction: number | null = null
  for (const cell of cells) {
    const code = cell === undefined || cell === null ? '' : String(cell).trim()
    if (code === '') continue
    const view = viewDirectionForApproach(code)
    if (view === undefined || (direction !== null && direction !== view)) return null
    direction = view
  }
  return direction
}
