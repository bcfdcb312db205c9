"""The course's JupyterHub: real Unix accounts, each server running as its own user.

Started by scripts/hub.sh (``make hub``), which creates the accounts, the environments
and the folders named here and passes them in RNNHUB_* variables:

- PAM authentication against the local accounts the script created (their passwords are
  in the root-only file $HUB_DIR/state/passwords);
- LocalProcessSpawner: each user's single-user server is started as that user (setuid)
  from the learners' environment $HUB_DIR/learn (the learner kit, JupyterLab 4,
  nbgrader), in the user's home;
- the instructor's server loads hub/instructor (formgrader, the course root in their
  home), every other user's loads hub/learner (the Assignments tab, no instructor
  tools), through JUPYTER_CONFIG_PATH; both open terminals as plain (non-login) shells,
  since a login shell's /etc/profile would take the learners' environment, and with it
  `nbgrader` and `python`, off PATH;
- everything listens on 127.0.0.1 only.
"""
import os

c = get_config()  # noqa: F821 (provided by traitlets when JupyterHub loads this file)

hub_dir = os.environ["RNNHUB_DIR"]
state = os.path.join(hub_dir, "state")
config = os.path.join(hub_dir, "config")
instructor = os.environ["RNNHUB_INSTRUCTOR"]
learners = os.environ["RNNHUB_LEARNERS"].split()

c.JupyterHub.bind_url = f"http://127.0.0.1:{os.environ['RNNHUB_PORT']}/"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{os.environ['RNNHUB_API_PORT']}/"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ['RNNHUB_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.command = [
    os.path.join(hub_dir, "proxy", "node_modules", ".bin", "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "proxy.pid")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(state, "cookie_secret")
# Stopping the hub stops the proxy and every user's server it started.
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

c.JupyterHub.authenticator_class = "pam"
# No login sessions (pam_systemd, pam_loginuid): containers and CI have no logind.
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = {instructor, *learners}

c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [os.path.join(hub_dir, "learn", "bin", "jupyterhub-singleuser")]
c.Spawner.ip = "127.0.0.1"
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab"
# Pass none of the hub's own environment on (JupyterHub keeps PATH, PYTHONPATH,
# VIRTUAL_ENV... by default): a learner's server gets only what _role_settings sets.
c.Spawner.env_keep = ["LANG", "LC_ALL"]
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


def _role_settings(spawner):
    """The instructor's tools for the instructor, the learner's for everyone else."""
    role = "instructor" if spawner.user.name == instructor else "learner"
    spawner.environment.update({
        "JUPYTER_CONFIG_PATH": os.path.join(config, role),
        "PATH": os.path.join(hub_dir, "learn", "bin") + ":/usr/local/bin:/usr/bin:/bin",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
    })


c.Spawner.pre_spawn_hook = _role_settings
