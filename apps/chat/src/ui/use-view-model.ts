import { useEffect, useMemo } from 'react';
import type { DependencyList } from 'react';
import { useObservable } from 'localfire/react';

/** A view model created for `deps` and disposed when they change or the component unmounts. */
export function useViewModel<VM extends { dispose(): void }>(create: () => VM, deps: DependencyList): VM {
  const vm = useMemo(create, deps);
  useEffect(() => () => vm.dispose(), [vm]);
  return vm;
}

/** The view model's current state; re-renders on each change. */
export const useViewState = useObservable;
