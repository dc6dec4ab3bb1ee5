// Placeholder until this family lands: registers nothing yet.
