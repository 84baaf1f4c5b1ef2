import { demoUser } from '../demo/demo-users.js';
import { colorFor, initials } from './format.js';

export interface AvatarProps {
  readonly id: string;
  readonly name: string;
  /** Shows a presence dot: true online, false offline, undefined none. */
  readonly online?: boolean | undefined;
  readonly group?: boolean;
  readonly size?: 'sm' | 'md' | 'lg';
}

export function Avatar({ id, name, online, group = false, size = 'md' }: AvatarProps) {
  const color = demoUser(id)?.color ?? colorFor(id);
  return (
    <span className={`avatar avatar-${size}${group ? ' avatar-group' : ''}`} style={{ background: color }} aria-hidden="true">
      {group ? '#' : initials(name)}
      {online !== undefined && (
        <span className={`presence ${online ? 'presence-on' : 'presence-off'}`} data-testid="presence" data-online={online} />
      )}
    </span>
  );
}
