"""Generate Airflow TaskFlow DAGs from Kedro projects.

Importing this package stays light: generated DAGs import ``kedro_taskflow.runtime`` at parse time.
"""

__version__ = "0.1.0"
