/**
 * A reducer whose current state the key handler can read at once. With useReducer, keys typed
 * faster than React re-renders (and Ink re-subscribes the input handler) would each see the state
 * from before the previous key — a fast `/dock` would filter on `ok`. Here each dispatch applies the
 * reducer immediately to a ref and then asks React to render.
 */
import {useCallback, useRef, useState} from 'react'

export function useSyncReducer<S, A>(reducer: (state: S, action: A) => S, initial: S): [S, (action: A) => void, () => S] {
  const state = useRef(initial)
  const [, render] = useState(0)
  const dispatch = useCallback(
    (action: A) => {
      const next = reducer(state.current, action)
      if (next === state.current) return
      state.current = next
      render((n) => n + 1)
    },
    [reducer],
  )
  const current = useCallback(() => state.current, [])
  return [state.current, dispatch, current]
}
