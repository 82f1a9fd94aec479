import type { Tenant, UserRole } from '@skillhub/db';

export interface DemoPerson {
  name: string;
  email: string;
  role: UserRole;
}

export interface DemoTenant {
  slug: string;
  name: string;
  /** Sign-ups from this email domain join the tenant (`.example` is reserved: no real mail goes there). */
  domain: string;
  plan: Tenant['plan'];
  /** The first is the owner. */
  people: DemoPerson[];
  /** Slugs from the demo catalog this tenant publishes. */
  skills: string[];
}

const person = (name: string, role: UserRole, domain: string): DemoPerson => ({
  name,
  role,
  email: `${name.split(' ')[0]?.toLowerCase()}@${domain}`,
});

/** The three demo workspaces: an engineering shop, a sales-led company and a back office. */
export const demoTenants: DemoTenant[] = [
  {
    slug: 'acme',
    name: 'Acme Corporation',
    domain: 'acme.example',
    plan: 'enterprise',
    people: [
      person('Ada Chen', 'owner', 'acme.example'),
      person('Bruno Martins', 'admin', 'acme.example'),
      person('Chioma Okafor', 'member', 'acme.example'),
      person('Dmitri Volkov', 'member', 'acme.example'),
      person('Elena Ruiz', 'member', 'acme.example'),
    ],
    skills: [
      'code-review-checklist',
      'incident-postmortem',
      'sql-query-explainer',
      'release-notes',
      'api-design-reviewer',
      'unit-test-generator',
      'sql-migration-reviewer',
      'data-pipeline-debugger',
      'agent-web-researcher',
      'accessibility-auditor',
      'meeting-summary',
      'onboarding-buddy',
      'security-questionnaire',
      'support-ticket-triage',
      'job-description-writer',
    ],
  },
  {
    slug: 'globex',
    name: 'Globex Corporation',
    domain: 'globex.example',
    plan: 'team',
    people: [
      person('Hank Scorpio', 'owner', 'globex.example'),
      person('Frank Grimes', 'admin', 'globex.example'),
      person('Gina Torres', 'member', 'globex.example'),
      person('Ivan Petrov', 'member', 'globex.example'),
    ],
    skills: [
      'sales-call-prep',
      'cold-email-personalizer',
      'customer-reply-drafter',
      'support-ticket-triage',
      'security-questionnaire',
      'contract-clause-checker',
      'changelog-to-tweet',
      'meeting-summary',
      'release-notes',
      'agent-web-researcher',
      'job-description-writer',
      'interview-scorecard',
      'spreadsheet-formula-helper',
      'onboarding-buddy',
      'incident-postmortem',
    ],
  },
  {
    slug: 'initech',
    name: 'Initech',
    domain: 'initech.example',
    plan: 'free',
    people: [
      person('Bill Lumbergh', 'owner', 'initech.example'),
      person('Joanna Lee', 'admin', 'initech.example'),
      person('Michael Bolton', 'member', 'initech.example'),
      person('Peter Gibbons', 'member', 'initech.example'),
      person('Samir Nagheenanajar', 'member', 'initech.example'),
    ],
    skills: [
      'tps-report-summarizer',
      'meeting-summary',
      'spreadsheet-formula-helper',
      'onboarding-buddy',
      'interview-scorecard',
      'job-description-writer',
      'code-review-checklist',
      'unit-test-generator',
      'sql-query-explainer',
      'data-pipeline-debugger',
      'customer-reply-drafter',
      'support-ticket-triage',
      'contract-clause-checker',
      'release-notes',
      'accessibility-auditor',
    ],
  },
];
