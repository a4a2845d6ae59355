-- An HR-style schema that oktasync reads as its source (see oktasync.yaml).
-- The tables are created in the current schema (search_path), so the same
-- script serves a dedicated database or a test's own schema.

CREATE TABLE departments (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    -- The Okta group every employee of the department belongs to.
    okta_group  text NOT NULL UNIQUE,
    description text
);

CREATE TABLE employees (
    id               serial PRIMARY KEY,
    employee_number  text NOT NULL UNIQUE,
    login            text NOT NULL UNIQUE,
    email            text NOT NULL,
    first_name       text NOT NULL,
    last_name        text NOT NULL,
    display_name     text,
    title            text,
    department_id    int NOT NULL REFERENCES departments (id),
    manager_id       int REFERENCES employees (id),
    employee_type    text NOT NULL DEFAULT 'Employee',
    cost_center      text,
    city             text,
    mobile_phone     text,
    hire_date        date NOT NULL,
    -- Set when the employee leaves; oktasync then no longer sees them and
    -- deactivates their Okta user.
    termination_date date,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Groups an employee belongs to besides their department's.
CREATE TABLE employee_groups (
    employee_id int NOT NULL REFERENCES employees (id) ON DELETE CASCADE,
    group_name  text NOT NULL,
    PRIMARY KEY (employee_id, group_name)
);
