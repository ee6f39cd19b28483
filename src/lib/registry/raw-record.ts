/** What every import format's reader yields: one record's cells, before mapping and validation. */
import type {FieldError} from './validate.js'

export interface RawRecord {
  /** Where it is in the file: the spreadsheet row (CSV), line (JSON Lines) or 1-based position (GeoJSON, JSON, KML). */
  row: number
  /** Cells by the file's own names (CSV headers, GeoJSON properties, KML data names). */
  values: Record<string, unknown>
  /** A GeoJSON/KML geometry's position; it wins over any latitude/longitude cells. */
  point?: {latitude: number; longitude: number}
  /** Problems with the record as a whole (bad JSON line, not a Point, too many cells). */
  errors?: FieldError[]
  /** The reader already put cells holding U+FFFD (bytes that were not UTF-8) in `errors`. */
  encodingChecked?: boolean
}
