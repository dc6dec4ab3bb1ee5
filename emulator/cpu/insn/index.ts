// Loading this module registers every instruction family in the decode tables.
