/** An agency as the API shows it: its jurisdiction's bounding box, how many polygons and members. */
export interface AgencyView {
  id: string
  name: string
  bbox: {minLatitude: number; maxLatitude: number; minLongitude: number; maxLongitude: number}
  polygons: number
  members: number
  createdAt: string
}
