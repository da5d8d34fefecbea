"""What the tests share: paths and commands, the small Kedro projects, oracles and strategies.

Test modules import from here, never from each other; ``conftest.py`` holds only fixtures.
"""
