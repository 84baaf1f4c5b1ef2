/** The app's mark: a flame on a warm tile. */
export function BrandMark() {
  return (
    <div className="brand-mark" aria-hidden="true">
      <svg viewBox="0 0 24 24"><path fill="currentColor" d="M12 2c.6 3.2-1.2 5-2.7 6.6C7.8 10.2 6.5 11.7 6.5 14.2A5.5 5.5 0 0 0 12 19.7a5.5 5.5 0 0 0 5.5-5.5c0-2.3-1-4.1-2.3-5.5-.2 1.3-.8 2.3-1.8 2.8.4-3.4-.4-6.9-1.4-9.5zm0 10.3c.3 1.3 1.8 2 1.8 3.6A1.8 1.8 0 0 1 12 17.7a1.8 1.8 0 0 1-1.8-1.8c0-1.6 1.5-2.3 1.8-3.6z" /></svg>
    </div>
  );
}
