import { useState } from 'react';
import { api } from '../api/client.ts';
import { isAdmin, type Skill } from '../api/types.ts';
import { useConfirm } from '../components/confirm-dialog.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { navigate } from '../router.tsx';
import { useMe } from '../session.tsx';
import { useAction } from '../use-action.ts';
import { useResource } from '../use-resource.ts';
import { canChangeSkill } from './can-change-skill.ts';

const versions = (count: number) => (count === 1 ? 'Its only version' : `All ${count} versions`);

/**
 * The actions that destroy a skill, each confirmed in a dialog: delete (its
 * author or an admin) and merge into another skill (admins). Renders
 * nothing for anyone the API would refuse.
 */
export function SkillDangerZone({ skill }: { skill: Skill }) {
  const me = useMe();
  const admin = isAdmin(me.user.role);
  const { confirm, dialog } = useConfirm();
  const action = useAction();
  const [target, setTarget] = useState('');
  // Merge candidates by name; the API takes at most 100 per page, which is plenty to pick from.
  const others = useResource(admin ? `merge-targets:${skill.id}` : 'no-merge', () =>
    admin
      ? api<{ skills: Skill[] }>('/skills', { query: { sort: 'name', order: 'asc', limit: 100 } })
      : Promise.resolve({ skills: [] }),
  );
  if (!canChangeSkill(me, skill)) return null;
  const candidates = others.data?.skills.filter((other) => other.id !== skill.id) ?? [];

  const remove = () =>
    action.run(async () => {
      const ok = await confirm({
        title: `Delete “${skill.name}”?`,
        message: `${versions(skill.latestVersion)}, its ratings, review and usage go with it. This cannot be undone.`,
        confirmLabel: 'Delete skill',
      });
      if (!ok) return;
      await api(`/skills/${skill.id}`, { method: 'DELETE' });
      navigate('/skills');
    });
  const merge = () =>
    action.run(async () => {
      const into = candidates.find((other) => other.id === target);
      if (!into) return;
      const ok = await confirm({
        title: `Merge “${skill.name}” into “${into.name}”?`,
        message: `Its versions, ratings and usage move to “${into.name}”, whose content stays as it is; “${skill.name}” is then deleted.`,
        confirmLabel: 'Merge skills',
      });
      if (!ok) return;
      const merged = await api<{ skill: Skill }>('/skills/merge', {
        method: 'POST',
        body: { source: skill.id, target: into.id },
      });
      navigate(`/skills/${merged.skill.slug}`);
    });

  return (
    <section className="panel danger-zone" aria-labelledby="danger-zone-heading">
      <h2 id="danger-zone-heading">Delete or merge</h2>
      <ErrorBanner error={action.error ?? others.error} />
      {admin && (
        <div className="stack">
          <label>
            Merge into
            <select value={target} onChange={(event) => setTarget(event.target.value)}>
              <option value="">Choose a skill…</option>
              {candidates.map((other) => (
                <option key={other.id} value={other.id}>
                  {other.name}
                </option>
              ))}
            </select>
          </label>
          <div>
            <button type="button" onClick={() => void merge()} disabled={action.busy || !target}>
              Merge…
            </button>
          </div>
        </div>
      )}
      <p>
        <button type="button" className="danger" onClick={() => void remove()} disabled={action.busy}>
          Delete skill…
        </button>
      </p>
      {dialog}
    </section>
  );
}
