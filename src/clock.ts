// Is this host's clock obviously wrong? Air-gapped hosts have no NTP, and a clock that is off
// breaks TLS in ways no log names (`x509: certificate has expired or is not yet valid` on the
// nodes). Two facts bound "now" from below without any network: the time this build was made, and
// the newest image's creation time (its config's `created`). Pure: dates in, a line out.
import { formatDate } from './tls/validity.js';

/** Smaller gaps are left alone: a build or image host whose own clock ran a little ahead. */
const SLACK_MS = 60 * 60 * 1000;

export interface ClockEvidence {
  builtAt?: Date;
  /** The newest image config's `created`, and which config says so. */
  newestImage?: { date: Date; config: string };
}

/** One warning line (without `warning: `) when `now` is before what the evidence proves, else undefined. */
export function clockWarning(now: Date, evidence: ClockEvidence): string | undefined {
  const reasons: string[] = [];
  const { builtAt, newestImage } = evidence;
  if (builtAt !== undefined && !Number.isNaN(builtAt.getTime()) && now.getTime() < builtAt.getTime() - SLACK_MS) {
    reasons.push(`this build of seed-registry was made ${formatDate(builtAt)}`);
  }
  if (newestImage !== undefined && now.getTime() < newestImage.date.getTime() - SLACK_MS) {
    reasons.push(`image config ${newestImage.config.slice(0, 19)} was created ${formatDate(newestImage.date)}`);
  }
  if (reasons.length === 0) return undefined;
  return `this host's clock says ${formatDate(now)}, but ${reasons.join(' and ')}: the clock is behind, and certificates made now may not be valid on nodes with the right time; set it (date -u -s 'YYYY-MM-DD HH:MM', or timedatectl set-time) and restart the seed (docs/tls-clock.md)`;
}
