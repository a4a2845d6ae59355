-- Seed data for schema.sql: five departments and a number of employees
-- with deterministic, fake names (all @example.com).
--
--   psql "$DATABASE_URL" -f schema.sql -f seed.sql     -- 50 employees
--   psql "$DATABASE_URL" -c 'SELECT seed_employees(5000)'  -- reseed with 5,000
--
-- seed_employees(n) replaces all rows, so it may be run again with another n.
-- Every 25th employee has left (termination_date set), every 10th is in
-- "Managers", every 3rd in "VPN Users".

CREATE OR REPLACE FUNCTION seed_employees(n int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    firsts text[] := ARRAY['Ada','Ben','Chloé','Dmitri','Elena','Farah','Gabriel','Hana','Isaac','Julia',
                           'Kwame','Lucía','Marcus','Nadia','Oliver','Priya','Quentin','Rosa','Samuel','Tara'];
    lasts  text[] := ARRAY['Hart','Okafor','Mendes','Volkov','Rossi','Siddiqui','Núñez','Sato','Levi','Becker',
                           'Mensah','Fernández','Brown','Haddad','Smith','Raman','Dubois','Martinez','Green','O''Connor'];
    titles text[] := ARRAY['Engineer','Senior Engineer','Analyst','Specialist','Coordinator','Lead'];
    cities text[] := ARRAY['Portland','Lisbon','Berlin','Tokyo','London','Austin','Toronto'];
BEGIN
    TRUNCATE employee_groups, employees, departments RESTART IDENTITY;

    INSERT INTO departments (name, okta_group, description) VALUES
        ('Engineering', 'Engineering', 'Everyone who builds the product'),
        ('Sales',       'Sales',       'Account executives, sales engineers and operations'),
        ('Finance',     'Finance',     'Accounting, payroll and planning'),
        ('People',      'People',      'Recruiting and people operations'),
        ('Support',     'Support',     'Customer support');

    INSERT INTO employees (employee_number, login, email, first_name, last_name, display_name, title,
                           department_id, employee_type, cost_center, city, mobile_phone, hire_date,
                           termination_date, updated_at)
    SELECT format('E%s', 100000 + i),
           format('%s.%s%s@example.com', lower(f), lower(replace(l, '''', '')), i),
           format('%s.%s%s@example.com', lower(f), lower(replace(l, '''', '')), i),
           f, l, f || ' ' || l,
           titles[1 + i % array_length(titles, 1)],
           1 + i % 5,
           'Employee',
           format('CC-%s', 100 + i % 5),
           cities[1 + i % array_length(cities, 1)],
           CASE WHEN i % 4 = 0 THEN NULL ELSE format('+1 555 %s', lpad((i % 10000)::text, 4, '0')) END,
           date '2015-01-05' + (i * 7 % 3650),
           CASE WHEN i % 25 = 0 THEN date '2026-01-31' END,
           timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute'
    FROM generate_series(1, n) AS i,
         LATERAL (SELECT firsts[1 + i % array_length(firsts, 1)] AS f,
                         lasts[1 + (i / array_length(firsts, 1)) % array_length(lasts, 1)] AS l) AS names;

    -- The first employee of each department manages the rest of it.
    UPDATE employees e SET manager_id = m.id
    FROM (SELECT DISTINCT ON (department_id) id, department_id FROM employees ORDER BY department_id, id) m
    WHERE e.department_id = m.department_id AND e.id <> m.id;

    INSERT INTO employee_groups (employee_id, group_name)
    SELECT id, 'Managers' FROM employees WHERE id % 10 = 0
    UNION ALL
    SELECT id, 'VPN Users' FROM employees WHERE id % 3 = 0;
END;
$$;

SELECT seed_employees(50);
