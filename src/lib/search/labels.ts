/**
 * The closed list of things search may name: the 80 COCO object classes the detector was trained on,
 * in its output order. "person" is the only label about a human being, and it carries nothing beyond
 * the word and the colours of its box: no face, age, gender, emotion or body description exists here
 * or anywhere in search. A class index outside this list is dropped, never passed on.
 */
export const LABELS = Object.freeze([
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
  'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven',
  'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
] as const)

export type Label = (typeof LABELS)[number]

export const isLabel = (value: string): value is Label => (LABELS as readonly string[]).includes(value)

/** The label of a model class index, or undefined for anything outside the closed list. */
export function labelOf(index: number): Label | undefined {
  return Number.isInteger(index) ? LABELS[index] : undefined
}
